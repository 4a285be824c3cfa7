/**
 * Node runs our .ts directly but does not resolve the extensionless relative imports the Worker
 * code uses (the bundler does): importing this module makes Node try `<specifier>.ts` when plain
 * resolution fails. Import it before dynamically importing Worker modules from a bench script.
 */
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (!specifier.startsWith(".")) throw error;
      return nextResolve(`${specifier}.ts`, context);
    }
  },
});
