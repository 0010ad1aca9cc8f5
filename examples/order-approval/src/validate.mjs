// Checks an order and computes its total; a bad order fails the workflow before anyone is asked.
export const handler = async (order) => {
  if (!order || !Array.isArray(order.items) || order.items.length === 0) {
    const error = new Error("an order needs at least one item");
    error.name = "InvalidOrder";
    throw error;
  }
  const total = order.items.reduce((sum, item) => sum + item.price * item.quantity, 0);
  return { ...order, total: Math.round(total * 100) / 100, validatedAt: new Date().toISOString() };
};
