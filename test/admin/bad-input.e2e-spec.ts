import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import zlib from 'node:zlib';
import { ModulesContainer } from '@nestjs/core';
import fc from 'fast-check';
import pg from 'pg';
import request from 'supertest';
import type { Test } from 'supertest';
import { z } from 'zod';
import { discoverApiRoutes } from '#platform/api/openapi.js';
import { AdminSession, seedPlatformAdmin, seedTenant, seedUser } from '../support/admin-api.js';
import { startTestPlanes, type TestPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * SPEC §6 and §9 "Bad input": malformed, oversized, wrongly typed or hostile input to any admin
 * route gets a 4xx `application/problem+json` answer (type, title, status, detail, code), never a
 * 5xx, and changes nothing in the database.
 *
 * The routes come from the code (`discoverApiRoutes`), with their zod schemas; each is called by
 * someone allowed to use it, so that the request passes authentication and reaches validation.
 * For every kind of bad input below and every route it applies to, fast-check generates requests
 * that are invalid by construction (each carries at least one element the route's contract
 * refuses), and checks each answer and that no application table changed.
 */

type DiscoveredRoute = ReturnType<typeof discoverApiRoutes>[number];
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Caller = 'anonymous' | 'platform admin' | 'tenant owner';

/** The part of a JSON Schema (as zod writes it) that the generators read. */
interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly anyOf?: readonly JsonSchema[];
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly maxItems?: number;
  readonly pattern?: string;
  readonly format?: string;
}

/** One admin route, ready to be called by someone allowed to use it. */
interface Target {
  readonly route: DiscoveredRoute;
  readonly label: string;
  readonly method: Method;
  readonly caller: Caller;
  readonly session: AdminSession | undefined;
  readonly params: readonly string[];
  /** Real ids for the path parameters: the owner's own tenant and a user of it. */
  readonly pathValues: Readonly<Record<string, string>>;
  readonly body: JsonSchema | undefined;
  readonly query: JsonSchema | undefined;
  readonly bodyLimit: number;
}

interface Expectation {
  readonly statuses: readonly number[];
  /** Acceptable problem codes; any non-empty string when absent. */
  readonly codes?: readonly string[];
}

interface HostileRequest {
  readonly method: Method;
  readonly url: string;
  /** What is wrong with it, for the report. */
  readonly what: string;
  readonly contentType?: string | undefined;
  readonly contentEncoding?: string | undefined;
  readonly body?: Buffer | undefined;
  readonly expected: Expectation;
}

interface HostileKind {
  readonly name: string;
  readonly runs: number;
  readonly appliesTo: (target: Target) => boolean;
  readonly requests: (target: Target) => fc.Arbitrary<HostileRequest>;
}

const JSON_CONTENT_TYPE = 'application/json';
const MALFORMED_BODY: Expectation = { statuses: [400], codes: ['malformed_body'] };
const INVALID_BODY: Expectation = { statuses: [400], codes: ['validation_failed'] };
const TOO_LARGE: Expectation = { statuses: [413], codes: ['payload_too_large'] };
const UNSUPPORTED_MEDIA_TYPE: Expectation = { statuses: [415], codes: ['unsupported_media_type'] };

// ---------------------------------------------------------------------------------------------
// Small helpers

const ALNUM = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789');
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

function preview(value: unknown): string {
  return clip(JSON.stringify(value) ?? String(value), 60);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Percent-encodes every UTF-8 byte except RFC 3986 unreserved characters (lone surrogates become U+FFFD). */
function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** A copy of `base` with `value` at `path`, creating own data properties (so `__proto__` is a plain key). */
function withField(base: unknown, path: readonly string[], value: unknown): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return value;
  const object = isRecord(base) ? base : {};
  const current = Object.hasOwn(object, key) ? object[key] : undefined;
  return Object.fromEntries([...Object.entries(object).filter(([name]) => name !== key), [key, withField(current, rest, value)]]);
}

/** True when express.json({ strict: true }) refuses these bytes (an empty body is no body at all). */
function isRefusedByStrictJsonParser(bytes: Buffer): boolean {
  const text = new TextDecoder('utf-8').decode(bytes);
  if (text.length === 0) return false;
  const first = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d])/.exec(text)?.[1];
  if (first !== '{' && first !== '[') return true;
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
}

/** A request for the target's method that prints itself readably in fast-check's counterexamples. */
function hostile(target: Target, parts: Omit<HostileRequest, 'method'>): HostileRequest {
  const built: HostileRequest = { method: target.method, ...parts };
  return Object.defineProperty(built, fc.toStringMethod, { value: () => describeRequest(built) });
}

function describeRequest(sent: HostileRequest): string {
  const headers = [sent.contentType && `Content-Type: ${sent.contentType}`, sent.contentEncoding && `Content-Encoding: ${sent.contentEncoding}`].filter(Boolean).join(', ');
  const body =
    sent.body === undefined
      ? 'no body'
      : `${sent.body.length}-byte body ${sent.contentEncoding ? `base64:${clip(sent.body.toString('base64'), 120)}` : JSON.stringify(clip(sent.body.toString('utf8'), 160))}`;
  return `${sent.method.toUpperCase()} ${clip(sent.url, 200)} [${headers || 'no Content-Type'}] ${body} (${sent.what}); expected ${sent.expected.statuses.join(' or ')}`;
}

// ---------------------------------------------------------------------------------------------
// Routes, callers and URLs

function paramsOf(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
}

/** Who may call a route: anyone (public), the platform admin, or the owner of the tenant in the path. */
function callerFor(route: DiscoveredRoute): Caller {
  if (route.isPublic) return 'anonymous';
  const anyOf = route.requirement?.anyOf ?? [];
  if (anyOf.some((permission) => permission.startsWith('tenant.'))) return 'tenant owner';
  if (anyOf.some((permission) => permission.startsWith('platform.'))) return 'platform admin';
  return 'tenant owner'; // self.manage, admin.login: any signed-in administrator
}

function jsonSchemaOf(schema: z.ZodType | undefined): JsonSchema | undefined {
  return schema ? (z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema) : undefined;
}

/** The route's URL with real ids, some segments replaced by already-encoded `segments`, and an encoded query. */
function urlOf(target: Target, segments: Readonly<Record<string, string>> = {}, query: readonly (readonly [string, string])[] = []): string {
  const path = target.route.path.replace(/\{(\w+)\}/g, (_, name: string) => segments[name] ?? target.pathValues[name]!);
  return query.length === 0 ? path : `${path}?${query.map(([key, value]) => `${key}=${value}`).join('&')}`;
}

function jsonRequest(target: Target, body: unknown, what: string, expected: Expectation = INVALID_BODY): HostileRequest {
  return hostile(target, { url: urlOf(target), what, contentType: JSON_CONTENT_TYPE, body: jsonBytes(body), expected });
}

// ---------------------------------------------------------------------------------------------
// Values read from a route's own JSON Schema

type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';
const JSON_TYPES: readonly JsonType[] = ['string', 'number', 'boolean', 'null', 'array', 'object'];

function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType;
}

/** The JSON types a schema accepts; empty when it says nothing (then no value is known to be wrong). */
function acceptedTypes(schema: JsonSchema): Set<JsonType> {
  const accepted = new Set<JsonType>();
  for (const member of [schema, ...(schema.anyOf ?? [])]) {
    const declared = member.type === undefined ? [] : typeof member.type === 'string' ? [member.type] : member.type;
    for (const type of declared) accepted.add(type === 'integer' ? 'number' : (type as JsonType));
    for (const value of member.enum ?? []) accepted.add(jsonTypeOf(value));
  }
  return accepted;
}

function stringVariantOf(schema: JsonSchema): JsonSchema | undefined {
  return [schema, ...(schema.anyOf ?? [])].find((member) => member.type === 'string' || (member.enum?.every((value) => typeof value === 'string') ?? false));
}

/** A field that documents a length, a pattern, a format or a list of values: a 10k-character string cannot be valid there. */
function isBoundedString(schema: JsonSchema): boolean {
  const variant = stringVariantOf(schema);
  return variant !== undefined && (variant.maxLength !== undefined || variant.pattern !== undefined || variant.format !== undefined || variant.enum !== undefined);
}

interface Field {
  readonly path: readonly string[];
  readonly schema: JsonSchema;
}

/** Every field of an object schema, the fields of nested objects included. */
function fieldsOf(schema: JsonSchema, path: readonly string[] = []): Field[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, property]) => {
    const field = { path: [...path, key], schema: property };
    return property.properties ? [field, ...fieldsOf(property, field.path)] : [field];
  });
}

/** The object itself and every nested object: places where an unknown field can be added. */
function objectsOf(schema: JsonSchema, path: readonly string[] = []): Field[] {
  return [{ path, schema }, ...Object.entries(schema.properties ?? {}).flatMap(([key, property]) => (property.properties ? objectsOf(property, [...path, key]) : []))];
}

/** A value that looks right for the schema, so that the one injected mistake is what makes a request invalid. */
function plausible(schema: JsonSchema, key = ''): fc.Arbitrary<unknown> {
  const variant = schema.anyOf?.find((member) => member.type !== 'null');
  if (variant) return plausible(variant, key);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string':
      return plausibleString(schema, key);
    case 'boolean':
      return fc.boolean();
    case 'integer':
    case 'number':
      return fc.integer({ min: 1, max: 100 });
    case 'array':
      return fc.uniqueArray(plausible(schema.items ?? {}), { maxLength: schema.maxItems ?? 3 });
    case 'object':
      return plausibleObject(schema);
    default:
      return fc.constant(null);
  }
}

function plausibleString(schema: JsonSchema, key: string): fc.Arbitrary<string> {
  const max = schema.maxLength ?? 64;
  if (schema.format === 'uuid') return fc.uuid({ version: 7 });
  if (schema.format === 'uri') return fc.constant('https://example.com/picture.png');
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((text) => text.length <= max);
  if (key === 'email') return fc.tuple(fc.string({ unit: ALNUM, minLength: 1, maxLength: 12 }), fc.string({ unit: ALNUM, minLength: 1, maxLength: 12 })).map(([local, domain]) => `${local}@${domain}.example`);
  const min = Math.max(schema.minLength ?? 1, 1);
  return fc.string({ unit: ALNUM, minLength: min, maxLength: Math.min(max, min + 16) });
}

function plausibleObject(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const model = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, property]) => [key, plausible(property, key)]));
  return fc.record(model, { requiredKeys: [...(schema.required ?? [])] });
}

const VALUE_OF_TYPE: Readonly<Record<JsonType, fc.Arbitrary<unknown>>> = {
  string: fc.string({ maxLength: 12 }),
  number: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  object: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
};

/** A value of a JSON type the schema does not accept (or an array holding one such item); undefined if the schema accepts anything. */
function wrongValue(schema: JsonSchema): fc.Arbitrary<unknown> | undefined {
  const accepted = acceptedTypes(schema);
  if (accepted.size === 0) return undefined;
  const options = JSON_TYPES.filter((type) => !accepted.has(type)).map((type) => VALUE_OF_TYPE[type]);
  const wrongItem = accepted.has('array') && schema.items ? wrongValue(schema.items) : undefined;
  if (wrongItem) options.push(fc.array(wrongItem, { minLength: 1, maxLength: 2 }));
  return fc.oneof(...options);
}

function wronglyTypedFields(schema: JsonSchema): { field: Field; value: fc.Arbitrary<unknown> }[] {
  return fieldsOf(schema).flatMap((field) => {
    const value = wrongValue(field.schema);
    return value ? [{ field, value }] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// Building blocks of hostile input

/** Characters that break naive string handling: NUL and other controls, bidi overrides, lone surrogates, non-characters. */
const SPECIAL_CHARACTER = fc.oneof(
  { weight: 3, arbitrary: fc.constant('\u0000') },
  fc.constantFrom('\u0001', '\u0008', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u00ad', '\u200b', '\u200e', '\u2028', '\u202e', '\ufeff', '\ufffd', '\uffff', '\ud800', '\udfff', '\u{1f600}', '\u{10ffff}'),
);

const HOSTILE_TEXT = fc.tuple(fc.string({ unit: ALNUM, maxLength: 8 }), SPECIAL_CHARACTER, fc.string({ unit: 'binary', maxLength: 8 })).map((parts) => parts.join(''));

/** 10k to 90k characters of a repeated unit that may be multi-byte or a control character. */
const HUGE_TEXT = fc
  .record({ unit: fc.oneof(fc.string({ unit: ALNUM, minLength: 1, maxLength: 4 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 4 })), length: fc.integer({ min: 10_000, max: 90_000 }) })
  .map(({ unit, length }) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

const MALFORMED_JSON_SAMPLES = [
  "{'name': 'x'}",
  '{"name": "x",}',
  '{name: "x"}',
  '{"a": NaN}',
  '{"a": undefined}',
  '{"a": 01}',
  '{"a": .5}',
  '{"a": +1}',
  '{"a": 0x10}',
  '{"a": Infinity}',
  '[1,]',
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  '{"a":"\u0000"}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '/* comment */ {}',
  '{"a": 1} // comment',
  '\ufeff\ufeff{}',
  '{"__proto__": }',
  '{',
  '[',
  '"',
  ' ',
];

/** Text that is not a JSON object or array: garbage, JSON scalars (strict mode refuses them), broken or truncated JSON. */
const NOT_JSON_TEXT = fc.oneof(
  fc.constantFrom(...MALFORMED_JSON_SAMPLES),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
  fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.string()).map((scalar) => JSON.stringify(scalar)),
  fc.tuple(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 4 }), fc.nat()).map(([object, cut]) => {
    const text = JSON.stringify(object);
    return text.slice(0, 1 + (cut % (text.length - 1)));
  }),
);

/** Those texts as UTF-8, or broken JSON with bytes that are not UTF-8 at all. */
const NOT_JSON = fc
  .oneof(
    { weight: 4, arbitrary: NOT_JSON_TEXT.map((text) => Buffer.from(text, 'utf8')) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 32 }).map((garbage) => Buffer.concat([Buffer.from('{"name":"'), Buffer.from(garbage)])) },
  )
  .filter(isRefusedByStrictJsonParser);

const WRONG_MEDIA_TYPES = [
  undefined,
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'text/xml',
  'text/html',
  'text/json',
  'application/jsonp',
  'application/octet-stream',
  'application/javascript',
  'image/png',
  'application/json; charset=iso-8859-1',
  'application/json; charset=us-ascii',
  'application/json; charset=windows-1252',
];

/** Content-Type values that are broken or ambiguous: sent with bodies that are not JSON either, so 400 and 415 are both right. */
const MALFORMED_MEDIA_TYPES = ['application/json;', 'application/json; charset', 'application/json; charset="utf-8', 'application/', '/json', 'json', ';', 'application/json, text/plain', 'application/json\tx'];

const COMPRESSORS: Readonly<Record<string, { compress: (bytes: Buffer) => Buffer; decompress: (bytes: Buffer) => Buffer }>> = {
  gzip: { compress: (bytes) => zlib.gzipSync(bytes, { level: 1 }), decompress: (bytes) => zlib.gunzipSync(bytes) },
  deflate: { compress: (bytes) => zlib.deflateSync(bytes, { level: 1 }), decompress: (bytes) => zlib.inflateSync(bytes) },
  br: { compress: (bytes) => zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } }), decompress: (bytes) => zlib.brotliDecompressSync(bytes) },
  zstd: { compress: (bytes) => zlib.zstdCompressSync(bytes), decompress: (bytes) => zlib.zstdDecompressSync(bytes) },
};

const UNKNOWN_ENCODINGS = ['compress', 'x-gzip', 'bogus', 'gzip, br', 'identity, gzip', 'exi', 'pack200-gzip', 'gzip;q=1'];

function decompresses(encoding: string, bytes: Buffer): boolean {
  try {
    COMPRESSORS[encoding]!.decompress(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A JSON object of at least `bytes` bytes. */
function paddedJson(bytes: number, filler: string): Buffer {
  const padding = filler.repeat(Math.ceil(bytes / Buffer.byteLength(filler)));
  return jsonBytes({ pad: padding });
}

const NOT_UUID_SAMPLES = [
  '1',
  '0',
  '-1',
  'abc',
  "' OR 1=1 --",
  '1; DROP TABLE users --',
  '../',
  '..',
  '../../etc/passwd',
  'null',
  'undefined',
  'NaN',
  '*',
  '%',
  ' ',
  '<script>alert(1)</script>',
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  'me',
];

const NEAR_MISS_UUID = fc.tuple(fc.uuid({ version: 7 }), fc.constantFrom('short', 'long', 'letter', 'braces', 'compact', 'padded', 'injected')).map(([uuid, how]) => {
  switch (how) {
    case 'short':
      return uuid.slice(0, -1);
    case 'long':
      return `${uuid}0`;
    case 'letter':
      return `g${uuid.slice(1)}`;
    case 'braces':
      return `{${uuid}}`;
    case 'compact':
      return uuid.replaceAll('-', '');
    case 'padded':
      return ` ${uuid}`;
    default:
      return `${uuid}' OR '1'='1`;
  }
});

/** Ids that are not UUIDs, already percent-encoded for a path segment. */
const NOT_UUID_SEGMENT = fc
  .oneof(fc.constantFrom(...NOT_UUID_SAMPLES), NEAR_MISS_UUID, fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), fc.integer().map(String), fc.integer({ min: 200, max: 2_000 }).map((length) => 'a'.repeat(length)))
  .filter((id) => !UUID_SHAPE.test(id))
  .map(percentEncode);

/** Raw segments that are not even valid percent-encoding (or not UTF-8 once decoded). */
const UNDECODABLE_SEGMENT = fc.constantFrom('%', '%zz', 'abc%', '%E0%A4%A', '%C0%80', '%FF%FE', '%ED%A0%80');

const UNKNOWN_KEY_SAMPLES = ['__proto__', 'constructor', 'prototype', 'id', 'tenant_id', 'role', 'is_admin', 'failed_login_count', 'password_hash', 'created_at', 'Email', 'email ', ''];

function unknownKey(schema: JsonSchema): fc.Arbitrary<string> {
  return fc.oneof(fc.constantFrom(...UNKNOWN_KEY_SAMPLES), fc.string({ maxLength: 16 }), fc.string({ unit: 'binary', maxLength: 8 })).filter((key) => !Object.hasOwn(schema.properties ?? {}, key));
}

// ---------------------------------------------------------------------------------------------
// Query strings (routes that declare a query schema)

type QueryPair = readonly [string, string];

/** Valid-looking query parameters; `limit` and `cursor` follow SPEC §6 (1–200, an opaque cursor of a real page). */
function plausibleQuery(schema: JsonSchema): fc.Arbitrary<Record<string, string>> {
  const model = Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([key, property]) => {
      if (key === 'limit') return [key, fc.integer({ min: 1, max: 200 }).map(String)];
      if (key === 'cursor') return [key, fc.uuid({ version: 7 }).map((id) => Buffer.from(id).toString('base64url'))];
      return [key, plausible(property, key).map(String)];
    }),
  );
  return fc.record(model, { requiredKeys: [] }) as fc.Arbitrary<Record<string, string>>;
}

const BAD_LIMIT = fc.oneof(
  fc.constantFrom('0', '201', '-1', '1.5', 'abc', '1e2', ' 5', '', 'NaN', 'Infinity', '0x10', '+5', '５', '999999999999999999999', '50abc'),
  fc.integer({ min: 201 }).map(String),
  fc.integer({ max: 0 }).map(String),
);

function decodesToUuid(cursor: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(cursor) && UUID_SHAPE.test(Buffer.from(cursor, 'base64url').toString('utf8'));
}

const BAD_CURSOR = fc
  .oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ minLength: 129, maxLength: 400 }),
    fc.string({ maxLength: 40 }).map((text) => Buffer.from(text).toString('base64url')),
    fc.uuid().map((id) => Buffer.from(`${id}' OR 1=1`).toString('base64url')),
  )
  .filter((cursor) => !decodesToUuid(cursor));

/** One query element the route must refuse, as encoded key/value pairs, with a description. */
function badQueryElement(schema: JsonSchema): fc.Arbitrary<{ pairs: QueryPair[]; what: string }> {
  const properties = schema.properties ?? {};
  const single = (key: string, value: string, what: string) => ({ pairs: [[percentEncode(key), percentEncode(value)] as const], what });
  const options: fc.Arbitrary<{ pairs: QueryPair[]; what: string }>[] = [
    fc.tuple(unknownKey(schema), fc.string({ maxLength: 12 })).map(([key, value]) => single(key, value, `unknown parameter ${preview(key)}`)),
    fc.constantFrom(...Object.keys(properties)).map((key) => ({ pairs: [[key, 'a'] as const, [key, 'b'] as const], what: `${key} given twice` })),
    fc.constantFrom(...Object.keys(properties)).map((key) => ({ pairs: [[`${key}%5B%5D`, '1'] as const], what: `${key}[] (array syntax)` })),
  ];
  if (properties.limit) options.push(BAD_LIMIT.map((value) => single('limit', value, `limit=${preview(value)}`)));
  if (properties.cursor) options.push(BAD_CURSOR.map((value) => single('cursor', value, `cursor=${preview(value)}`)));
  for (const [key, property] of Object.entries(properties)) {
    const variant = stringVariantOf(property);
    if (variant?.enum) options.push(fc.string({ maxLength: 12 }).filter((value) => !variant.enum!.includes(value)).map((value) => single(key, value, `${key}=${preview(value)} (not one of its values)`)));
    if (variant?.maxLength !== undefined) options.push(fc.integer({ min: variant.maxLength + 1, max: variant.maxLength + 300 }).map((length) => single(key, 'q'.repeat(length), `${key} of ${length} characters`)));
    if (variant?.minLength !== undefined && variant.minLength > 0) options.push(fc.constant(single(key, '', `empty ${key}`)));
  }
  return fc.oneof(...options);
}

// ---------------------------------------------------------------------------------------------
// The kinds of bad input

const everyRoute = () => true;
const hasBody = (target: Target) => target.body !== undefined;

/** JSON that looks like the route's body (or an empty object), for kinds about the envelope rather than the content. */
function someJsonBytes(target: Target): fc.Arbitrary<Buffer> {
  return (target.body ? plausibleObject(target.body) : fc.constant({})).map(jsonBytes);
}

const KINDS: readonly HostileKind[] = [
  {
    name: 'a body that is not JSON, sent as application/json: 400 malformed_body',
    runs: 12,
    appliesTo: everyRoute,
    requests: (target) => NOT_JSON.map((body) => hostile(target, { url: urlOf(target), what: 'not JSON', contentType: JSON_CONTENT_TYPE, body, expected: MALFORMED_BODY })),
  },
  {
    name: 'a body of another media type or charset: 415 unsupported_media_type',
    runs: 12,
    appliesTo: everyRoute,
    requests: (target) => {
      const wrongType = fc
        .record({
          contentType: fc.constantFrom(...WRONG_MEDIA_TYPES),
          text: fc.oneof(
            someJsonBytes(target).map((bytes) => bytes.toString('utf8')),
            fc.constantFrom('name=x&status=suspended', '<user><name>x</name></user>', '--xyz\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--xyz--'),
            fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
          ),
        })
        .map(({ contentType, text }) => hostile(target, { url: urlOf(target), what: 'wrong media type', contentType, body: Buffer.from(text, 'utf8'), expected: UNSUPPORTED_MEDIA_TYPE }));
      const brokenType = fc
        .record({ contentType: fc.constantFrom(...MALFORMED_MEDIA_TYPES), body: NOT_JSON })
        .map(({ contentType, body }) => hostile(target, { url: urlOf(target), what: 'broken media type', contentType, body, expected: { statuses: [400, 415], codes: ['malformed_body', 'unsupported_media_type'] } }));
      return fc.oneof({ weight: 3, arbitrary: wrongType }, { weight: 1, arbitrary: brokenType });
    },
  },
  {
    name: 'a compressed body that does not decompress: 400 (or 415 if compression is refused)',
    runs: 8,
    appliesTo: everyRoute,
    requests: (target) =>
      fc
        .record({ encoding: fc.constantFrom(...Object.keys(COMPRESSORS)), body: fc.oneof(someJsonBytes(target), fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes))) })
        .filter(({ encoding, body }) => !decompresses(encoding, body))
        .map(({ encoding, body }) =>
          hostile(target, { url: urlOf(target), what: `corrupt ${encoding} data`, contentType: JSON_CONTENT_TYPE, contentEncoding: encoding, body, expected: { statuses: [400, 415], codes: ['malformed_body', 'unsupported_media_type'] } }),
        ),
  },
  {
    name: 'a body in an unknown content coding (415), or inflating beyond the limit (413)',
    runs: 8,
    appliesTo: everyRoute,
    requests: (target) => {
      const unknown = fc
        .record({ encoding: fc.constantFrom(...UNKNOWN_ENCODINGS), body: someJsonBytes(target) })
        .map(({ encoding, body }) => hostile(target, { url: urlOf(target), what: 'unknown content coding', contentType: JSON_CONTENT_TYPE, contentEncoding: encoding, body, expected: UNSUPPORTED_MEDIA_TYPE }));
      const bomb = fc.record({ encoding: fc.constantFrom(...Object.keys(COMPRESSORS)), size: fc.integer({ min: target.bodyLimit + 1, max: target.bodyLimit * 10 }) }).map(({ encoding, size }) =>
        hostile(target, {
          url: urlOf(target),
          what: `${encoding} data inflating to ${size} bytes`,
          contentType: JSON_CONTENT_TYPE,
          contentEncoding: encoding,
          body: COMPRESSORS[encoding]!.compress(paddedJson(size, 'a')),
          expected: { statuses: [413, 415], codes: ['payload_too_large', 'unsupported_media_type'] },
        }),
      );
      return fc.oneof(unknown, bomb);
    },
  },
  {
    name: 'a body over the size limit: 413 payload_too_large',
    runs: 6,
    appliesTo: everyRoute,
    requests: (target) =>
      fc
        .record({ size: fc.integer({ min: target.bodyLimit + 1, max: target.bodyLimit * 3 }), filler: fc.constantFrom('x', 'é', '€', '😀') })
        .map(({ size, filler }) => hostile(target, { url: urlOf(target), what: `${size}+ bytes`, contentType: JSON_CONTENT_TYPE, body: paddedJson(size, filler), expected: TOO_LARGE })),
  },
  {
    name: 'a JSON array instead of an object: 400 validation_failed',
    runs: 8,
    appliesTo: hasBody,
    requests: (target) => fc.oneof(fc.array(plausibleObject(target.body!), { maxLength: 3 }), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 })).map((body) => jsonRequest(target, body, 'top-level array')),
  },
  {
    name: 'deeply nested JSON in a field: 400 validation_failed, or 413 beyond the body limit',
    runs: 8,
    appliesTo: hasBody,
    requests: (target) =>
      fc.record({ key: fc.constantFrom(...Object.keys(target.body!.properties ?? {}), 'nested'), depth: fc.integer({ min: 500, max: 60_000 }), shape: fc.constantFrom('arrays', 'objects') }).map(({ key, depth, shape }) => {
        const nested = shape === 'arrays' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
        const body = Buffer.from(`{${JSON.stringify(key)}:${nested}}`, 'utf8');
        const expected = body.length > target.bodyLimit ? TOO_LARGE : INVALID_BODY;
        return hostile(target, { url: urlOf(target), what: `${key} nested ${depth} ${shape} deep`, contentType: JSON_CONTENT_TYPE, body, expected });
      }),
  },
  {
    name: 'a known field of the wrong JSON type: 400 validation_failed',
    runs: 25,
    appliesTo: (target) => hasBody(target) && wronglyTypedFields(target.body!).length > 0,
    requests: (target) =>
      fc.oneof(
        ...wronglyTypedFields(target.body!).map(({ field, value }) =>
          fc.tuple(plausibleObject(target.body!), value).map(([body, wrong]) => jsonRequest(target, withField(body, field.path, wrong), `${field.path.join('.')} = ${preview(wrong)}`)),
        ),
      ),
  },
  {
    name: 'an unknown field: 400 validation_failed',
    runs: 20,
    appliesTo: hasBody,
    requests: (target) =>
      fc.oneof(
        ...objectsOf(target.body!).map((object) =>
          fc
            .tuple(plausibleObject(target.body!), fc.uniqueArray(fc.tuple(unknownKey(object.schema), fc.jsonValue({ maxDepth: 2 })), { minLength: 1, maxLength: 3, selector: ([key]) => key }))
            .map(([body, extras]) => {
              const withExtras = extras.reduce<unknown>((current, [key, value]) => withField(current, [...object.path, key], value), body);
              return jsonRequest(target, withExtras, `unknown ${extras.map(([key]) => preview([...object.path, key].join('.'))).join(', ')}`);
            }),
        ),
      ),
  },
  {
    name: 'a huge string in a bounded field: 400 validation_failed, or 413 beyond the body limit',
    runs: 10,
    appliesTo: (target) => hasBody(target) && fieldsOf(target.body!).some((field) => isBoundedString(field.schema)),
    requests: (target) =>
      fc.oneof(
        ...fieldsOf(target.body!)
          .filter((field) => isBoundedString(field.schema))
          .map((field) =>
            fc.tuple(plausibleObject(target.body!), HUGE_TEXT).map(([body, text]) => {
              const bytes = jsonBytes(withField(body, field.path, text));
              const expected = bytes.length > target.bodyLimit ? TOO_LARGE : INVALID_BODY;
              return hostile(target, { url: urlOf(target), what: `${field.path.join('.')} of ${text.length} characters`, contentType: JSON_CONTENT_TYPE, body: bytes, expected });
            }),
          ),
      ),
  },
  {
    name: 'a path id that is not a UUID: 400',
    runs: 20,
    appliesTo: (target) => target.params.length > 0,
    requests: (target) => {
      const badSegment = fc.oneof({ weight: 5, arbitrary: NOT_UUID_SEGMENT.map((segment) => ({ segment, raw: false })) }, { weight: 1, arbitrary: UNDECODABLE_SEGMENT.map((segment) => ({ segment, raw: true })) });
      const replacements = fc.tuple(...target.params.map(() => fc.option(badSegment, { nil: undefined }))).filter((chosen) => chosen.some((segment) => segment !== undefined));
      // A plausible body rides along: the bad id alone must stop the request.
      const body = target.body ? plausibleObject(target.body).map(jsonBytes) : fc.constant(undefined);
      return fc.tuple(replacements, body).map(([chosen, bytes]) => {
        const segments = Object.fromEntries(target.params.flatMap((name, index) => (chosen[index] ? [[name, chosen[index].segment]] : [])));
        const expected: Expectation = chosen.some((segment) => segment?.raw) ? { statuses: [400] } : { statuses: [400], codes: ['invalid_id', 'validation_failed'] };
        return hostile(target, { url: urlOf(target, segments), what: `bad ${Object.keys(segments).join(', ')}`, contentType: bytes ? JSON_CONTENT_TYPE : undefined, body: bytes, expected });
      });
    },
  },
  {
    name: 'a query string with a bad, repeated or unknown parameter: 400',
    runs: 30,
    appliesTo: (target) => target.query !== undefined,
    requests: (target) =>
      fc.tuple(plausibleQuery(target.query!), badQueryElement(target.query!)).map(([base, bad]) => {
        const badKeys = new Set(bad.pairs.map(([key]) => key));
        const pairs = [...Object.entries(base).filter(([key]) => !badKeys.has(key)).map(([key, value]) => [key, percentEncode(value)] as const), ...bad.pairs];
        return hostile(target, { url: urlOf(target, {}, pairs), what: bad.what, expected: { statuses: [400], codes: ['validation_failed', 'invalid_cursor'] } });
      }),
  },
  {
    // Only where a well-formed request cannot change anything: sign-in to accounts that do not
    // exist (no failed-sign-in counter to bump) and the free-text filters of lists.
    name: 'control characters and odd Unicode in strings that reach the database: never 5xx',
    runs: 20,
    appliesTo: (target) => isLogin(target) || freeTextQueryParams(target).length > 0,
    requests: (target) => (isLogin(target) ? hostileSignIns(target) : hostileFilters(target)),
  },
];

function isLogin(target: Target): boolean {
  return target.route.isPublic && target.method === 'post' && target.route.path.endsWith('/auth/login');
}

/** Query parameters that take free text (no pattern, format or list of values). */
function freeTextQueryParams(target: Target): string[] {
  return Object.entries(target.query?.properties ?? {})
    .filter(([, property]) => {
      const variant = stringVariantOf(property);
      return variant !== undefined && !variant.enum && !variant.pattern && !variant.format;
    })
    .map(([key]) => key);
}

function hostileSignIns(target: Target): fc.Arbitrary<HostileRequest> {
  return fc
    .record({ tenant: fc.oneof(fc.constantFrom('acme', 'operator'), HOSTILE_TEXT), local: HOSTILE_TEXT, password: fc.oneof(fc.string({ unit: ALNUM, minLength: 8, maxLength: 16 }), HOSTILE_TEXT) })
    .map(({ tenant, local, password }) => jsonRequest(target, { tenant, email: `nobody-${local}@acme.example`, password }, 'sign-in of an account that does not exist', { statuses: [400, 401] }));
}

function hostileFilters(target: Target): fc.Arbitrary<HostileRequest> {
  const rawTail = fc.constantFrom('', '', '%00', '%C0%80', '%FF', '%ED%A0%80');
  return fc.tuple(fc.constantFrom(...freeTextQueryParams(target)), HOSTILE_TEXT, rawTail).map(([key, text, tail]) =>
    hostile(target, { url: urlOf(target, {}, [[key, percentEncode(text) + tail]]), what: `${key} with special characters`, expected: { statuses: [200, 400] } }),
  );
}

// ---------------------------------------------------------------------------------------------
// Checking answers and the database

/** What came back: status, media type and the body as text. */
interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

const REQUIRED_STRING_MEMBERS = ['type', 'title', 'detail', 'code'] as const;

/** Everything wrong with an answer; empty when it is what the request deserves. */
function answerProblems(response: Answer, expected: Expectation): string[] {
  const problems: string[] = [];
  if (!expected.statuses.includes(response.status)) problems.push(`status ${response.status}, expected ${expected.statuses.join(' or ')}`);
  if (response.status < 400) return problems;
  const { contentType } = response;
  if (!contentType.startsWith('application/problem+json')) problems.push(`Content-Type ${contentType || 'missing'}, expected application/problem+json`);
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    return [...problems, 'the body is not JSON'];
  }
  if (!isRecord(body)) return [...problems, 'the body is not a JSON object'];
  for (const member of REQUIRED_STRING_MEMBERS) if (typeof body[member] !== 'string' || body[member] === '') problems.push(`"${member}" is not a non-empty string`);
  if (body.status !== response.status) problems.push(`"status" is ${preview(body.status)}, not the HTTP status`);
  if (expected.codes && !expected.codes.includes(String(body.code))) problems.push(`code ${preview(body.code)}, expected ${expected.codes.join(' or ')}`);
  if (/\n\s+at |node_modules|\.ts:\d+/.test(response.text) || response.text.includes(process.cwd())) problems.push('the body leaks a stack trace or an internal path');
  return problems;
}

function changedTables(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): string[] {
  const changed = Object.keys(before).filter((table) => before[table] !== after[table]);
  return changed.length > 0 ? [`the database changed (tables: ${changed.join(', ')})`] : [];
}

/** fast-check's report, with the counterexample as a request line and the failure without a stack trace. */
function throwReadableFailure(details: fc.RunDetails<[HostileRequest]>): void {
  if (!details.failed) return;
  const failure = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const example = details.counterexample ? describeRequest(details.counterexample[0]) : 'no counterexample';
  throw new Error(`failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s) (seed ${details.seed}, path "${details.counterexamplePath}"):\n  ${example}\n  ${failure}`);
}

function openRequest(server: Parameters<typeof request>[0], method: Method, url: string): Test {
  const agent = request(server);
  switch (method) {
    case 'get':
      return agent.get(url);
    case 'post':
      return agent.post(url);
    case 'put':
      return agent.put(url);
    case 'patch':
      return agent.patch(url);
    case 'delete':
      return agent.delete(url);
  }
}

// ---------------------------------------------------------------------------------------------

describe('bad input to every admin route: a 4xx problem, never a 5xx, nothing changed (SPEC §6, §9)', () => {
  let database: TestDatabase;
  let planes: TestPlanes;
  let inspector: pg.Client;
  let targets: Target[];
  let snapshotQuery: string;
  let baseline: Record<string, string>;
  let sessions: Record<Exclude<Caller, 'anonymous'>, AdminSession>;

  /**
   * A digest of every row of every table. A session's `last_seen_at` is left out: any
   * authenticated request may slide its idle timer forward (at most once a minute), legitimately.
   * The audit trail is digested without its failed sign-ins: refusing a sign-in is itself a
   * security event that must be recorded (SPEC §7), even when the attempt changed nothing else.
   * Rate-limit counters are left out: every request counts against its caller's limits (SPEC §8).
   */
  async function tableDigests(): Promise<Record<string, string>> {
    const { rows } = await inspector.query<{ name: string; digest: string }>(snapshotQuery);
    return Object.fromEntries(rows.map((row) => [row.name, row.digest]));
  }

  async function send(target: Target, hostileRequest: HostileRequest): Promise<Answer> {
    let test = openRequest(planes.admin.getHttpServer(), target.method, hostileRequest.url);
    if (target.session) test = test.set('Cookie', target.session.cookie).set('X-CSRF-Token', target.session.csrfToken);
    if (hostileRequest.contentType) test = test.set('Content-Type', hostileRequest.contentType);
    if (hostileRequest.contentEncoding) test = test.set('Content-Encoding', hostileRequest.contentEncoding);
    // The identity serializer sends the bytes exactly as generated (superagent would JSON-encode a Buffer).
    if (hostileRequest.body) test = test.serialize((bytes: Buffer) => bytes as unknown as string).send(hostileRequest.body);
    // Read every answer as text, whatever its type, so that a body that is not JSON is reported rather than thrown.
    const response = await test.buffer(true).parse((incoming, done) => {
      let text = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (text += chunk));
      incoming.on('end', () => done(null, text));
    });
    return { status: response.status, contentType: String(response.headers['content-type'] ?? ''), text: response.body as string };
  }

  /** Runs one kind of bad input against one route; the failure report (with fast-check's counterexample), if any. */
  async function failureOf(kind: HostileKind, target: Target): Promise<string | undefined> {
    const property = fc.asyncProperty(kind.requests(target), async (hostileRequest) => {
      const before = await tableDigests();
      const response = await send(target, hostileRequest);
      const problems = [...answerProblems(response, hostileRequest.expected), ...changedTables(before, await tableDigests())];
      if (problems.length > 0) throw new Error(`${problems.join('; ')}\n  answered ${response.status} ${clip(response.text, 400)}`);
    });
    try {
      await fc.assert(property, { numRuns: kind.runs, reporter: throwReadableFailure });
      return undefined;
    } catch (error) {
      return `${target.label} (as ${target.caller}) ${(error as Error).message}`;
    }
  }

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url);
    inspector = new pg.Client({ connectionString: database.url });
    await inspector.connect();

    const root = await seedPlatformAdmin(planes);
    const acme = await seedTenant(planes, 'acme');
    const member = await seedUser(planes, acme, 'member@acme.example', ['tenant_member']);
    // Signing in creates sessions, so every caller signs in before the baseline is taken.
    sessions = { 'platform admin': await AdminSession.signIn(planes, root), 'tenant owner': await AdminSession.signIn(planes, acme.owner) };
    // A client of acme, for the routes under /clients/{clientId}.
    const client = await sessions['tenant owner']
      .post(`/api/v1/tenants/${acme.id}/clients`, { name: 'Bad input target', type: 'confidential', redirect_uris: ['https://app.example/cb'], grant_types: ['authorization_code'], scopes: ['openid'] })
      .expect(201);
    // A declared audit query of acme, for the routes under /audit-queries/{queryId}.
    const now = Date.now();
    const query = await sessions['platform admin']
      .post('/api/v1/audit-queries', { tenant_id: acme.id, reason: 'Bad input target declaration', from: new Date(now - 86_400_000).toISOString(), to: new Date(now).toISOString() })
      .expect(201);
    const pathValues = { tenantId: acme.id, userId: member.id, clientId: client.body.client.client_id as string, queryId: query.body.id as string };

    targets = discoverApiRoutes(planes.admin.get(ModulesContainer)).map((route) => {
      const caller = callerFor(route);
      return {
        route,
        label: `${route.method.toUpperCase()} ${route.path}`,
        method: route.method as Method,
        caller,
        session: caller === 'anonymous' ? undefined : sessions[caller],
        params: paramsOf(route.path),
        pathValues,
        body: jsonSchemaOf(route.spec.body),
        query: jsonSchemaOf(route.spec.query),
        bodyLimit: planes.config.bodyLimitBytes,
      };
    });

    const { rows } = await inspector.query<{ name: string }>(
      `select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name <> 'rate_limit_buckets' order by 1`,
    );
    snapshotQuery = rows
      .map(({ name }) => {
        const rowsOf = name === 'audit_events' ? `"${name}" t where t.action <> 'auth.login.failed'` : `"${name}" t`;
        return `select '${name}' as name, md5(coalesce(string_agg(r, ',' order by r), '')) as digest from (select (to_jsonb(t) - 'last_seen_at')::text as r from ${rowsOf}) rows`;
      })
      .join(' union all ');
    baseline = await tableDigests();
  });

  afterAll(async () => {
    await inspector?.end();
    await planes?.close();
    await database?.drop();
  });

  it('finds every admin route in the code, with a caller allowed to use it', async () => {
    const labels = targets.map((target) => target.label);
    expect(labels.length).toBeGreaterThan(10);
    for (const expected of ['POST /api/v1/auth/login', 'POST /api/v1/auth/logout', 'GET /api/v1/me', 'PATCH /api/v1/me', 'POST /api/v1/tenants', 'GET /api/v1/tenants', 'PATCH /api/v1/tenants/{tenantId}', 'POST /api/v1/tenants/{tenantId}/users', 'PATCH /api/v1/tenants/{tenantId}/users/{userId}']) {
      expect(labels).toContain(expected);
    }
    expect(targets.filter((target) => !target.route.isPublic && !target.route.requirement).map((target) => target.label)).toEqual([]);
    expect(targets.flatMap((target) => target.params.filter((name) => !(name in target.pathValues)).map((name) => `${target.label}: {${name}}`))).toEqual([]);
    expect(Object.keys(baseline)).toEqual(expect.arrayContaining(['tenants', 'users', 'password_credentials', 'role_assignments', 'sessions']));
    for (const session of Object.values(sessions)) expect((await session.get('/api/v1/auth/me')).status).toBe(200);
  });

  for (const kind of KINDS) {
    it(kind.name, async () => {
      const applicable = targets.filter(kind.appliesTo);
      expect(applicable.length).toBeGreaterThan(0);
      const failures: string[] = [];
      for (const target of applicable) {
        const failure = await failureOf(kind, target);
        if (failure) failures.push(failure);
      }
      if (failures.length > 0) throw new Error(`${failures.length} of ${applicable.length} routes failed:\n\n${failures.join('\n\n')}`);
    }, 240_000);
  }

  it('leaves every table as it was', async () => {
    expect(await tableDigests()).toEqual(baseline);
  });
});
