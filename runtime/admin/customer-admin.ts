/**
 * /customer/* operations (LiteLLM's end-user API, also served as /end_user/*). A customer is
 * named by the `user` field of requests; LiteLLM calls its id `user_id` (`end_user_id` in /info).
 */
import { invalidRequest } from "../errors.ts";
import type { ManagedCustomer } from "../governance/ports.ts";
import { type AdminContext, notFound, readOnly } from "./admin-context.ts";
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
  const customer = customers.find((candidate) => candidate.customerId === customerId);
  if (customer === undefined) throw notFound("customer", customerId, param);
  return customer;
}

function requireWritable(context: AdminContext, customer: ManagedCustomer): void {
  if (customer.fromConfig || context.isFromConfig("customer", customer.customerId)) throw readOnly("customer", customer.customerId);
}

async function customerWithSpend(context: AdminContext, customer: ManagedCustomer) {
  return { ...toCustomerView(customer), spend: await context.spendOf({ kind: "customer", id: customer.customerId }) };
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
  if (context.isFromConfig("customer", customerId)) throw readOnly("customer", customerId);
  if ((await context.customers()).some((customer) => customer.customerId === customerId)) {
    throw invalidRequest(`Customer "${customerId}" already exists. Change it with POST /customer/update.`, "user_id", "customer_exists");
  }
  const now = context.nowIso();
  const customer: ManagedCustomer = {
    customerId,
    blocked: false,
    models: [],
    metadata: {},
    fromConfig: false,
    createdAt: now,
    updatedAt: now,
    maxBudget: null,
    softBudget: null,
    budgetDuration: null,
    rpmLimit: null,
    tpmLimit: null,
    maxParallelRequests: null,
    ...fields,
  };
  await context.audit(actor, "customer.new", "customer", customerId, null, toCustomerView(customer));
  await context.store.putCustomer(customer);
  await context.changed();
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
  requireWritable(context, customer);
  const updated: ManagedCustomer = { ...customer, ...readCustomerFields(body), updatedAt: context.nowIso() };
  await context.audit(actor, "customer.update", "customer", customer.customerId, toCustomerView(customer), toCustomerView(updated));
  await context.store.putCustomer(updated);
  await context.changed();
  return { body: await customerWithSpend(context, updated), ignored };
}

export async function deleteCustomers(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  const ids = readCustomerIds(body);
  const customers = await context.customers();
  const doomed = ids.map((id) => requireCustomer(customers, id, "user_ids"));
  for (const customer of doomed) requireWritable(context, customer);
  for (const customer of doomed) {
    await context.audit(actor, "customer.delete", "customer", customer.customerId, toCustomerView(customer), null);
    await context.store.deleteEntity("customer", customer.customerId);
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
  for (const customer of targets) requireWritable(context, customer);
  const now = context.nowIso();
  for (const customer of targets.filter((candidate) => candidate.blocked !== blocked)) {
    const updated = { ...customer, blocked, updatedAt: now };
    await context.audit(actor, blocked ? "customer.block" : "customer.unblock", "customer", customer.customerId, toCustomerView(customer), toCustomerView(updated));
    await context.store.putCustomer(updated);
  }
  await context.changed();
  return { body: blocked ? { blocked_users: ids } : { unblocked_users: ids }, ignored: [] };
}
