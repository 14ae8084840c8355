/** The side workloads a drill round can run beside the CAS registers (types.ts), made by name. */
import type { FleetClient } from '../../../client/index.js';
import { createFirstContactWorkload, fleetContactClient, type ContactClient } from './first-contact.js';
import { createListAppendWorkload, fleetListClient, type ListClient } from './list-append.js';
import { createLockWorkload, fleetLockClient, type LockClient } from './lock.js';
import { SIDE_WORKLOADS, type SideWorkload, type SideWorkloadName, type SideWorkloadOptions } from './types.js';

export { SIDE_WORKLOADS, parseSideWorkloads, type SideWorkloadName } from './names.js';
export type { SideVerdict, SideWorkload } from './types.js';

/** A client of each kind the side workloads speak through (a test passes fakes, or a planted-bug twin). */
export interface SideClients {
  readonly list: () => ListClient;
  readonly lock: () => LockClient;
  readonly contact: () => ContactClient;
}

/** The side workloads' clients over new fleet.v1 clients. */
export function fleetSideClients(newClient: () => FleetClient): SideClients {
  return {
    list: () => fleetListClient(newClient()),
    lock: () => fleetLockClient(newClient()),
    contact: () => fleetContactClient(newClient()),
  };
}

/** One workload per name, in SIDE_WORKLOADS order. */
export function createSideWorkloads(names: readonly SideWorkloadName[], base: Omit<SideWorkloadOptions<unknown>, 'newClient'>, clients: SideClients): SideWorkload[] {
  return SIDE_WORKLOADS.filter((n) => names.includes(n)).map((name) => {
    switch (name) {
      case 'list-append':
        return createListAppendWorkload({ ...base, newClient: clients.list });
      case 'lock':
        return createLockWorkload({ ...base, newClient: clients.lock });
      case 'first-contact':
        return createFirstContactWorkload({ ...base, newClient: clients.contact });
    }
  });
}
