/**
 * /customer/* operations (LiteLLM's end-user API, also served as /end_user/*). A customer is
 * named by the `user` field of requests; LiteLLM calls its id `user_id` (`end_user_id` in /info).
 */
import { invalidRequest } from "../http/errors.ts";
import type { ManagedCustomer } from "../stores/ports.ts";
import type { AdminContext } from "./admin-context.ts";
import { deleteAudited, type EntityAccess, newEntityBase, putAudited, requireEntity, requireUnusedId, requireWritable, saveChange, withSpend } from "./entity-write.ts";
import type { AdminResult } from "./key-admin.ts";
import {
  type Body,
  type CommonFields,
  checkFields,
  commonFieldNames,
  definedOnly,
  type FieldRules,
  readBoolean,
  readCommonFields,
  readIdentifierList,
  readRequiredIdentifier,
} from "./parse-fields.ts";
import { toCustomerView } from "./wire-views.ts";

const customerEntity: EntityAccess<ManagedCustomer> = {
  kind: "customer",
  title: "Customer",
  id: (customer) => customer.customerId,
  view: toCustomerView,
  put: (store, customer) => store.putCustomer(customer),
};

const customerRules: FieldRules = {
  read: [...commonFieldNames, "user_id", "blocked"],
  ignored: ["alias", "budget_reset_at"],
  unsupported: ["budget_id", "spend", "allowed_model_region", "default_model", "object_permission", "model_max_budget"],
};
const manyCustomersRules: FieldRules = { read: ["user_ids"], ignored: [], unsupported: [] };

interface CustomerFields extends CommonFields {
  blocked?: boolean;
}

function readCustomerFields(body: Body): CustomerFields {
  return definedOnly<CustomerFields>({ ...readCommonFields(body), blocked: readBoolean(body, "blocked") });
}

function requireCustomer(customers: readonly ManagedCustomer[], customerId: string, param: string): ManagedCustomer {
  return requireEntity(customerEntity, customers, customerId, param);
}

function customerWithSpend(context: AdminContext, customer: ManagedCustomer) {
  return withSpend(context, customerEntity, customer);
}

function readCustomerIds(body: Body): string[] {
  checkFields(body, manyCustomersRules);
  const ids = readIdentifierList(body, "user_ids") ?? [];
  if (ids.length === 0) throw invalidRequest('Send the customers in "user_ids".', "user_ids", "missing_parameter");
  return ids;
}

export async function newCustomer(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  const ignored = checkFields(body, customerRules);
  const customerId = readRequiredIdentifier(body, "user_id");
  const fields = readCustomerFields(body);
  await requireUnusedId(context, customerEntity, () => context.customers(), customerId, "user_id");
  const now = context.nowIso();
  const customer: ManagedCustomer = {
    customerId,
    blocked: false,
    ...newEntityBase(now),
    ...fields,
  };
  await saveChange(context, actor, customerEntity, "customer.new", null, customer);
  return { body: { ...toCustomerView(customer), spend: 0 }, ignored };
}

export async function customerInfo(context: AdminContext, query: URLSearchParams): Promise<AdminResult> {
  const customerId = query.get("end_user_id") ?? query.get("customer_id") ?? query.get("user_id");
  if (customerId === null || customerId === "") throw invalidRequest('Query parameter "end_user_id" is required.', "end_user_id", "missing_parameter");
  const customer = requireCustomer(await context.customers(), customerId, "end_user_id");
  return { body: await customerWithSpend(context, customer), ignored: [] };
}

export async function updateCustomer(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  const ignored = checkFields(body, customerRules);
  const customer = requireCustomer(await context.customers(), readRequiredIdentifier(body, "user_id"), "user_id");
  requireWritable(context, customerEntity, customer);
  const updated: ManagedCustomer = { ...customer, ...readCustomerFields(body), updatedAt: context.nowIso() };
  await saveChange(context, actor, customerEntity, "customer.update", customer, updated);
  return { body: await customerWithSpend(context, updated), ignored };
}

export async function deleteCustomers(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  const ids = readCustomerIds(body);
  const customers = await context.customers();
  const doomed = ids.map((id) => requireCustomer(customers, id, "user_ids"));
  for (const customer of doomed) requireWritable(context, customerEntity, customer);
  for (const customer of doomed) {
    await deleteAudited(context, actor, customerEntity, "customer.delete", customer);
  }
  await context.changed();
  return { body: { deleted_customers: ids }, ignored: [] };
}

export async function listCustomers(context: AdminContext): Promise<AdminResult> {
  const customers = (await context.customers()).sort((a, b) =>
    a.createdAt === b.createdAt ? a.customerId.localeCompare(b.customerId) : a.createdAt.localeCompare(b.createdAt),
  );
  return { body: await Promise.all(customers.map((customer) => customerWithSpend(context, customer))), ignored: [] };
}

export async function setCustomersBlocked(context: AdminContext, actor: string, body: Body, blocked: boolean): Promise<AdminResult> {
  const ids = readCustomerIds(body);
  const customers = await context.customers();
  const targets = ids.map((id) => requireCustomer(customers, id, "user_ids"));
  for (const customer of targets) requireWritable(context, customerEntity, customer);
  const now = context.nowIso();
  for (const customer of targets.filter((candidate) => candidate.blocked !== blocked)) {
    const updated = { ...customer, blocked, updatedAt: now };
    await putAudited(context, actor, customerEntity, blocked ? "customer.block" : "customer.unblock", customer, updated);
  }
  await context.changed();
  return { body: blocked ? { blocked_users: ids } : { unblocked_users: ids }, ignored: [] };
}
