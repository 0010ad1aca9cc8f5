// Charges a payment. A card ending in 0000 is declined every time (so the event ends in the
// dead-letter queue after the retries); others succeed (and reach the success destination).
export const handler = async (event) => {
  console.log(`ATTEMPT ${event.paymentId}`);
  if (typeof event.card !== "string") throw new TypeError("card is required");
  if (event.card.endsWith("0000")) {
    const error = new Error(`card ${event.card} was declined`);
    error.name = "PaymentDeclined";
    throw error;
  }
  return { paymentId: event.paymentId, status: "CHARGED", amount: event.amount };
};
