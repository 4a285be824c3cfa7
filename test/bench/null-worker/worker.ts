/**
 * The benchmark's baseline: a Worker that only reads the request body and answers 200. Whatever
 * our ingest pipeline does beyond this is its real cost.
 */
export default {
  async fetch(request: Request): Promise<Response> {
    await request.arrayBuffer();
    return new Response(null, { status: 200 });
  },
};
