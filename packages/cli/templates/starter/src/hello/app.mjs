// GET /hello?name=Ada -> {"message": "Hello, Ada!"}
export const handler = async (event) => {
  const name = event.queryStringParameters?.name ?? "world";
  const greeting = process.env.GREETING ?? "Hello";
  console.log(`greeting ${name} (${event.requestContext?.http?.method} ${event.rawPath})`);
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: `${greeting}, ${name}!` }),
  };
};
