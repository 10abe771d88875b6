// Validation and defaulting of the fields the project uses, with the API server's field paths and wording.
import { isIP, isIPv4, isIPv6 } from 'node:net';
import type { StatusCause } from './status.ts';
import type { KubeObject, JsonRecord } from './objects.ts';
import { isRecord } from './objects.ts';
import type { ResourceType } from './resources.ts';

const dns1123LabelRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035LabelRe = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dns1123SubdomainRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ianaSvcNameRe = /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;
const qualifiedNameRe = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const configKeyRe = /^[-._a-zA-Z0-9]+$/;

const labelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const dns1035Msg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

export function required(field: string, detail?: string): StatusCause {
  return { reason: 'FieldValueRequired', message: detail ? `Required value: ${detail}` : 'Required value', field };
}

export function invalidValue(field: string, value: unknown, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${detail}`, field };
}

function notSupported(field: string, value: unknown, supported: string[]): StatusCause {
  return {
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
    field,
  };
}

function duplicate(field: string, value: unknown): StatusCause {
  return { reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(value)}`, field };
}

export function forbidden(field: string, detail: string): StatusCause {
  return { reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field };
}

export function dns1123Label(field: string, value: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (value.length > 63) causes.push(invalidValue(field, value, 'must be no more than 63 characters'));
  if (!dns1123LabelRe.test(value)) causes.push(invalidValue(field, value, labelMsg));
  return causes;
}

function dns1035Label(field: string, value: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (value.length > 63) causes.push(invalidValue(field, value, 'must be no more than 63 characters'));
  if (!dns1035LabelRe.test(value)) causes.push(invalidValue(field, value, dns1035Msg));
  return causes;
}

export function dns1123Subdomain(field: string, value: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (value.length > 253) causes.push(invalidValue(field, value, 'must be no more than 253 characters'));
  if (!dns1123SubdomainRe.test(value)) causes.push(invalidValue(field, value, subdomainMsg));
  return causes;
}

/** Names follow the real API server: Namespaces are RFC 1123 labels, Services DNS-1035 labels, the rest subdomains. */
export function validateName(type: ResourceType, name: string): StatusCause[] {
  if (type.kind === 'Namespace') return dns1123Label('metadata.name', name);
  if (type.kind === 'Service') return dns1035Label('metadata.name', name);
  return dns1123Subdomain('metadata.name', name);
}

function validateStringMap(field: string, value: unknown, checkValue: boolean): StatusCause[] {
  if (value === undefined || value === null) return [];
  if (!isRecord(value)) return [invalidValue(field, value, 'must be a map of strings')];
  const causes: StatusCause[] = [];
  for (const [key, v] of Object.entries(value)) {
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : '';
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if ((slash >= 0 && dns1123Subdomain(field, prefix).length > 0) || name.length > 63 || !qualifiedNameRe.test(name)) {
      causes.push(
        invalidValue(field, key, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"),
      );
    }
    if (typeof v !== 'string') causes.push(invalidValue(`${field}[${key}]`, v, 'must be a string'));
    else if (checkValue && (v.length > 63 || !labelValueRe.test(v))) {
      causes.push(
        invalidValue(
          field,
          v,
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        ),
      );
    }
  }
  return causes;
}

export function validateMetadata(object: KubeObject): StatusCause[] {
  return [
    ...validateStringMap('metadata.labels', object.metadata.labels, true),
    ...validateStringMap('metadata.annotations', object.metadata.annotations, false),
  ];
}

function isPort(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}

const protocols = ['SCTP', 'TCP', 'UDP'];
const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const ipFamilyNames = ['IPv4', 'IPv6'];

function familyOf(ip: string): 'IPv4' | 'IPv6' {
  return isIPv4(ip) ? 'IPv4' : 'IPv6';
}

/** Fills what the API server fills before validating (type, protocol, targetPort, sessionAffinity, ...). */
export function defaultService(spec: JsonRecord): void {
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName') spec.internalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (Array.isArray(spec.ports)) {
    for (const port of spec.ports) {
      if (!isRecord(port)) continue;
      port.protocol ??= 'TCP';
      if (spec.type !== 'ExternalName') port.targetPort ??= port.port;
    }
  }
}

export function validateService(spec: JsonRecord): StatusCause[] {
  const causes: StatusCause[] = [];
  const type = spec.type;
  if (typeof type !== 'string' || !serviceTypes.includes(type)) causes.push(notSupported('spec.type', type, serviceTypes));
  const clusterIP = spec.clusterIP ?? '';
  const clusterIPs = spec.clusterIPs;
  const isExternalName = type === 'ExternalName';

  if (isExternalName) {
    const name = spec.externalName;
    if (typeof name !== 'string' || name === '') causes.push(required('spec.externalName'));
    else causes.push(...dns1123Subdomain('spec.externalName', name.endsWith('.') ? name.slice(0, -1) : name));
    if (clusterIP !== '') causes.push(forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
  } else if (typeof clusterIP !== 'string') {
    causes.push(invalidValue('spec.clusterIP', clusterIP, 'must be a string'));
  } else if (clusterIP !== '' && clusterIP !== 'None' && isIP(clusterIP) === 0) {
    causes.push(invalidValue('spec.clusterIP', clusterIP, "must be empty, 'None', or a valid IP address"));
  }

  if (clusterIPs !== undefined && clusterIPs !== null && !isExternalName) {
    if (!Array.isArray(clusterIPs)) causes.push(invalidValue('spec.clusterIPs', clusterIPs, 'must be a list of IP addresses'));
    else if (clusterIPs.length > 0) {
      if (clusterIPs[0] !== clusterIP && clusterIP !== '') {
        causes.push(invalidValue('spec.clusterIPs[0]', clusterIPs[0], 'must match `clusterIP` if specified'));
      }
      if (clusterIPs.length > 2) causes.push(invalidValue('spec.clusterIPs', clusterIPs, 'may specify no more than one IP for each IP family'));
      clusterIPs.forEach((ip, i) => {
        if (ip === 'None') {
          if (i > 0 || clusterIPs.length > 1) causes.push(invalidValue(`spec.clusterIPs[${i}]`, ip, "'None' must be the first and only value"));
        } else if (typeof ip !== 'string' || isIP(ip) === 0) {
          causes.push(invalidValue(`spec.clusterIPs[${i}]`, ip, 'must be a valid IP address'));
        }
      });
      if (clusterIPs.length === 2 && typeof clusterIPs[0] === 'string' && typeof clusterIPs[1] === 'string' && isIP(clusterIPs[0]) === isIP(clusterIPs[1])) {
        causes.push(invalidValue('spec.clusterIPs', clusterIPs, 'may specify no more than one IP for each IP family'));
      }
    }
  }

  if (spec.ipFamilies !== undefined && !isExternalName) {
    const families = spec.ipFamilies;
    if (!Array.isArray(families)) causes.push(invalidValue('spec.ipFamilies', families, 'must be a list'));
    else {
      families.forEach((f, i) => {
        if (typeof f !== 'string' || !ipFamilyNames.includes(f)) causes.push(notSupported(`spec.ipFamilies[${i}]`, f, ipFamilyNames));
      });
      if (families.length > 2) causes.push(invalidValue('spec.ipFamilies', families, 'may specify no more than 2 items'));
      if (families.length === 2 && families[0] === families[1]) causes.push(duplicate('spec.ipFamilies[1]', families[1]));
      if (Array.isArray(clusterIPs)) {
        clusterIPs.forEach((ip, i) => {
          if (typeof ip === 'string' && isIP(ip) !== 0 && families[i] !== undefined && families[i] !== familyOf(ip)) {
            causes.push(invalidValue(`spec.clusterIPs[${i}]`, ip, `expected an IP of family ${String(families[i])}`));
          }
        });
      }
    }
  }

  const ports = spec.ports;
  const headless = clusterIP === 'None';
  if (ports === undefined || ports === null || (Array.isArray(ports) && ports.length === 0)) {
    if (!headless && !isExternalName) causes.push(required('spec.ports'));
  } else if (!Array.isArray(ports)) {
    causes.push(invalidValue('spec.ports', ports, 'must be a list'));
  } else {
    const names = new Set<string>();
    const portProtocols = new Set<string>();
    ports.forEach((raw, i) => {
      const field = `spec.ports[${i}]`;
      if (!isRecord(raw)) {
        causes.push(invalidValue(field, raw, 'must be an object'));
        return;
      }
      const name = raw.name ?? '';
      if (typeof name !== 'string') causes.push(invalidValue(`${field}.name`, name, 'must be a string'));
      else if (name === '') {
        if (ports.length > 1) causes.push(required(`${field}.name`));
      } else {
        causes.push(...dns1123Label(`${field}.name`, name));
        if (names.has(name)) causes.push(duplicate(`${field}.name`, name));
        names.add(name);
      }
      if (!isPort(raw.port)) causes.push(invalidValue(`${field}.port`, raw.port, 'must be between 1 and 65535, inclusive'));
      if (typeof raw.protocol !== 'string' || !protocols.includes(raw.protocol)) {
        causes.push(notSupported(`${field}.protocol`, raw.protocol, protocols));
      }
      const key = `${String(raw.port)}/${String(raw.protocol)}`;
      if (portProtocols.has(key)) causes.push(duplicate(field, { port: raw.port, protocol: raw.protocol }));
      portProtocols.add(key);
      const target = raw.targetPort;
      if (target !== undefined && target !== raw.port && !isExternalName) {
        if (typeof target === 'string') {
          if (!ianaSvcNameRe.test(target) || !/[a-z]/.test(target) || target.includes('--')) {
            causes.push(
              invalidValue(`${field}.targetPort`, target, 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), at most 15 characters'),
            );
          }
        } else if (!isPort(target)) {
          causes.push(invalidValue(`${field}.targetPort`, target, 'must be between 1 and 65535, inclusive'));
        }
      }
      if (raw.nodePort !== undefined && raw.nodePort !== 0) {
        if (type !== 'NodePort' && type !== 'LoadBalancer') causes.push(forbidden(`${field}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
        else if (!isPort(raw.nodePort)) causes.push(invalidValue(`${field}.nodePort`, raw.nodePort, 'must be between 1 and 65535, inclusive'));
      }
    });
  }
  if (spec.selector !== undefined && spec.selector !== null) causes.push(...validateStringMap('spec.selector', spec.selector, true));
  if (spec.publishNotReadyAddresses !== undefined && typeof spec.publishNotReadyAddresses !== 'boolean') {
    causes.push(invalidValue('spec.publishNotReadyAddresses', spec.publishNotReadyAddresses, 'must be a boolean'));
  }
  return causes;
}

const addressTypes = ['FQDN', 'IPv4', 'IPv6'];

export function validateEndpointSlice(slice: JsonRecord): StatusCause[] {
  const causes: StatusCause[] = [];
  const addressType = slice.addressType;
  if (addressType === undefined || addressType === '') causes.push(required('addressType'));
  else if (typeof addressType !== 'string' || !addressTypes.includes(addressType)) causes.push(notSupported('addressType', addressType, addressTypes));
  const endpoints = slice.endpoints ?? [];
  if (!Array.isArray(endpoints)) causes.push(invalidValue('endpoints', endpoints, 'must be a list'));
  else {
    if (endpoints.length > 1000)
      causes.push({ reason: 'FieldValueTooMany', message: `Too many: ${endpoints.length}: must have at most 1000 items`, field: 'endpoints' });
    endpoints.forEach((raw, i) => {
      const field = `endpoints[${i}]`;
      if (!isRecord(raw)) {
        causes.push(invalidValue(field, raw, 'must be an object'));
        return;
      }
      const addresses = raw.addresses;
      if (!Array.isArray(addresses) || addresses.length === 0) causes.push(required(`${field}.addresses`, 'must contain at least 1 address'));
      else {
        if (addresses.length > 100)
          causes.push({ reason: 'FieldValueTooMany', message: `Too many: ${addresses.length}: must have at most 100 items`, field: `${field}.addresses` });
        addresses.forEach((address, j) => {
          const af = `${field}.addresses[${j}]`;
          if (typeof address !== 'string') causes.push(invalidValue(af, address, 'must be a string'));
          else if (addressType === 'IPv4' && !isIPv4(address)) causes.push(invalidValue(af, address, 'must be a valid IPv4 address'));
          else if (addressType === 'IPv6' && !isIPv6(address)) causes.push(invalidValue(af, address, 'must be a valid IPv6 address'));
          else if (addressType === 'FQDN') causes.push(...dns1123Subdomain(af, address));
        });
      }
      if (raw.hostname !== undefined && raw.hostname !== null) {
        if (typeof raw.hostname !== 'string') causes.push(invalidValue(`${field}.hostname`, raw.hostname, 'must be a string'));
        else causes.push(...dns1123Label(`${field}.hostname`, raw.hostname));
      }
      if (raw.conditions !== undefined && raw.conditions !== null) {
        if (!isRecord(raw.conditions)) causes.push(invalidValue(`${field}.conditions`, raw.conditions, 'must be an object'));
        else {
          for (const key of ['ready', 'serving', 'terminating']) {
            const v = raw.conditions[key];
            if (v !== undefined && v !== null && typeof v !== 'boolean') causes.push(invalidValue(`${field}.conditions.${key}`, v, 'must be a boolean'));
          }
        }
      }
      if (raw.nodeName !== undefined && raw.nodeName !== null && typeof raw.nodeName === 'string') {
        causes.push(...dns1123Subdomain(`${field}.nodeName`, raw.nodeName));
      }
    });
  }
  const ports = slice.ports ?? [];
  if (!Array.isArray(ports)) causes.push(invalidValue('ports', ports, 'must be a list'));
  else {
    const names = new Set<string>();
    ports.forEach((raw, i) => {
      const field = `ports[${i}]`;
      if (!isRecord(raw)) {
        causes.push(invalidValue(field, raw, 'must be an object'));
        return;
      }
      const name = raw.name ?? '';
      if (typeof name !== 'string') causes.push(invalidValue(`${field}.name`, name, 'must be a string'));
      else {
        if (name !== '') causes.push(...dns1123Label(`${field}.name`, name));
        if (names.has(name)) causes.push(duplicate(`${field}.name`, name));
        names.add(name);
      }
      if (raw.port !== undefined && raw.port !== null && !(Number.isInteger(raw.port) && (raw.port as number) >= 0 && (raw.port as number) <= 65535)) {
        causes.push(invalidValue(`${field}.port`, raw.port, 'must be between 0 and 65535, inclusive'));
      }
      if (raw.protocol !== undefined && raw.protocol !== null && (typeof raw.protocol !== 'string' || !protocols.includes(raw.protocol))) {
        causes.push(notSupported(`${field}.protocol`, raw.protocol, protocols));
      }
    });
  }
  return causes;
}

export function defaultEndpointSlice(slice: JsonRecord): void {
  slice.endpoints ??= [];
  if (Array.isArray(slice.ports)) {
    for (const port of slice.ports) {
      if (!isRecord(port)) continue;
      port.name ??= '';
      port.protocol ??= 'TCP';
    }
  }
  if (Array.isArray(slice.endpoints)) {
    for (const endpoint of slice.endpoints) if (isRecord(endpoint)) endpoint.conditions ??= {};
  }
}

export function validatePod(spec: JsonRecord): StatusCause[] {
  const causes: StatusCause[] = [];
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) return [required('spec.containers')];
  const names = new Set<string>();
  containers.forEach((raw, i) => {
    const field = `spec.containers[${i}]`;
    if (!isRecord(raw)) {
      causes.push(invalidValue(field, raw, 'must be an object'));
      return;
    }
    if (typeof raw.name !== 'string' || raw.name === '') causes.push(required(`${field}.name`));
    else {
      causes.push(...dns1123Label(`${field}.name`, raw.name));
      if (names.has(raw.name)) causes.push(duplicate(`${field}.name`, raw.name));
      names.add(raw.name);
    }
    if (typeof raw.image !== 'string' || raw.image === '') causes.push(required(`${field}.image`));
  });
  if (spec.hostname !== undefined && typeof spec.hostname === 'string') causes.push(...dns1123Label('spec.hostname', spec.hostname));
  if (spec.subdomain !== undefined && typeof spec.subdomain === 'string') causes.push(...dns1123Label('spec.subdomain', spec.subdomain));
  return causes;
}

function validateDataKeys(field: string, data: unknown, base64: boolean): StatusCause[] {
  if (data === undefined || data === null) return [];
  if (!isRecord(data)) return [invalidValue(field, data, 'must be a map')];
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (key.length > 253 || !configKeyRe.test(key)) {
      causes.push(invalidValue(`${field}[${key}]`, key, "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"));
    }
    if (typeof value !== 'string') causes.push(invalidValue(`${field}[${key}]`, value, 'must be a string'));
    else if (base64 && !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) causes.push(invalidValue(`${field}[${key}]`, '<value omitted>', 'must be base64 encoded'));
  }
  return causes;
}

export function validateConfigMap(object: JsonRecord): StatusCause[] {
  return [...validateDataKeys('data', object.data, false), ...validateDataKeys('binaryData', object.binaryData, true)];
}

/** Secrets: stringData is write-only, merged into data as base64 (as the API server does). */
export function defaultSecret(object: JsonRecord): void {
  object.type ??= 'Opaque';
  if (isRecord(object.stringData)) {
    const data: JsonRecord = isRecord(object.data) ? { ...object.data } : {};
    for (const [key, value] of Object.entries(object.stringData)) {
      if (typeof value === 'string') data[key] = Buffer.from(value, 'utf8').toString('base64');
    }
    object.data = data;
    delete object.stringData;
  }
}

export function validateSecret(object: JsonRecord): StatusCause[] {
  return validateDataKeys('data', object.data, true);
}

export function validateLease(spec: JsonRecord): StatusCause[] {
  const causes: StatusCause[] = [];
  const duration = spec.leaseDurationSeconds;
  if (duration !== undefined && duration !== null && !(Number.isInteger(duration) && (duration as number) > 0)) {
    causes.push(invalidValue('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  }
  const transitions = spec.leaseTransitions;
  if (transitions !== undefined && transitions !== null && !(Number.isInteger(transitions) && (transitions as number) >= 0)) {
    causes.push(invalidValue('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
  }
  for (const key of ['acquireTime', 'renewTime']) {
    const v = spec[key];
    if (v !== undefined && v !== null && (typeof v !== 'string' || Number.isNaN(Date.parse(v)))) {
      causes.push(invalidValue(`spec.${key}`, v, 'must be an RFC 3339 time'));
    }
  }
  if (spec.holderIdentity !== undefined && spec.holderIdentity !== null && typeof spec.holderIdentity !== 'string') {
    causes.push(invalidValue('spec.holderIdentity', spec.holderIdentity, 'must be a string'));
  }
  return causes;
}
