import { findServices } from "../../query/catalog";
import { defineTool } from "../tool";

/** The most names listed: a tenant can have thousands of services, a model's context cannot. */
const MAX = 300;

export const listServices = defineTool({
  name: "list_services",
  title: "List services",
  description: "The services that have sent traces to this edgetrace account, alphabetically.",
  input: {},
  async run({ env, tenant }) {
    const services = (await findServices(env, tenant)).sort();
    if (!services.length) return "No services yet: nothing has been traced in this account's retention period.";
    const shown = services.slice(0, MAX);
    const more = services.length - shown.length;
    return `${services.length} services:\n${shown.map((s) => `- ${s}`).join("\n")}${more ? `\n- … and ${more} more` : ""}`;
  },
});
