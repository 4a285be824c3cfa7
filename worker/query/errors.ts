/**
 * The one error a query parameter can cause. It is a BadRequest (so anything that does not know
 * about it still answers 400), and it names the parameter, so the Jaeger routes can answer in the
 * envelope their clients parse (see worker/routes/jaeger-errors.ts).
 */
import { BadRequest } from "../errors";

export class InvalidParameter extends BadRequest {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message, parameter);
  }
}
