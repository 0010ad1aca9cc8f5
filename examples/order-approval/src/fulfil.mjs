// The last step: the order was approved; here it would be shipped.
export const handler = async (order) => {
  console.log(`FULFIL ${order.orderId} total ${order.total} approved by ${order.approval.approver}`);
  return {
    orderId: order.orderId,
    status: "FULFILLED",
    total: order.total,
    approvedBy: order.approval.approver,
  };
};
