/**
 * Limits on everything the registry holds, so that no client can grow a replica's memory or an
 * entry's apply time without bound. They are part of the replicated semantics: changing one
 * changes which entries are refused, so every replica must run the same values.
 */
export const LIMITS = {
  /** Sessions idle for longer than this (in registry age: leaders' monotonic time) are forgotten. */
  sessionIdleMs: 60 * 60 * 1000,
  /** At most this many client sessions; beyond it the least recently active one is forgotten. */
  maxSessions: 100_000,
  /** At most this many remembered answers per session (writes in flight on one stream). */
  maxInFlightPerSession: 65_536,
  /**
   * At most this many remembered answers in all sessions together (about 150 B each: some 40 MB);
   * beyond it the least recently active sessions are forgotten. At least `maxInFlightPerSession`.
   */
  maxRememberedAnswers: 262_144,
  /** Names: shard ids, cluster names, holders, providers, regions, zones, plan ids. */
  maxNameLength: 253,
  maxLabels: 64,
  maxLabelValueLength: 253,
  maxCapacity: 1_000_000_000,
  maxShards: 10_000,
  maxClusters: 10_000_000,
  maxBatchMoves: 10_000,
  maxDomains: 100_000,
  maxProviders: 1_000,
  maxProviderRegions: 256,
  maxEndpointLength: 2048,
  maxQuotas: 100_000,
  maxQuotaSlices: 10_000,
  maxLeases: 100_000,
  maxLeaseTtlMs: 24 * 60 * 60 * 1000,
  maxKvKeys: 100_000,
  /** Key length in UTF-16 code units. */
  maxKvKeyLength: 4096,
  /** A value's UTF-8 size. */
  maxKvValueBytes: 1024 * 1024,
  /** The sum of all values' UTF-8 sizes. */
  maxKvTotalBytes: 256 * 1024 * 1024,
  /** The registry keeps the latest progress of this many plans (least recently updated go first). */
  maxPlans: 1_000,
  /** The audit log keeps this many client entries, the oldest dropped first. */
  maxAuditEntries: 10_000,
  /**
   * The audit log's admin ring (membership, leadership, snapshots, prune, forced removals, plan
   * progress) keeps this many entries apart, so that client writes never push them out.
   */
  maxAdminAuditEntries: 10_000,
  /** An audit record's operation name, actor fields and arguments (as JSON) at most this long. */
  maxAuditText: 4096,
  /** A listing page holds at most this many items. */
  maxPageSize: 10_000,
  /** A filtered listing examines at most this many entries before returning a short page. */
  maxScanPerPage: 100_000,
} as const;

/**
 * A write the registry has no room left for is refused when it is applied (FAILED_PRECONDITION)
 * with one of these texts: the handlers answer with them, and the member that serves the write
 * tells by them which limit it was (fleet_limit_refusals_total). They are part of the replicated
 * answers, remembered for retries: a text changed is an answer changed.
 */
export const FULL_REGISTRY = {
  shards: `the registry already holds ${LIMITS.maxShards} shards`,
  clusters: `the registry already holds ${LIMITS.maxClusters} clusters`,
  domains: `the registry already holds ${LIMITS.maxDomains} domains`,
  quotas: `the registry already holds ${LIMITS.maxQuotas} quotas`,
  providers: `the registry already holds ${LIMITS.maxProviders} providers`,
  leases: `the registry already holds ${LIMITS.maxLeases} leases`,
  kvKeys: `the KV store already holds ${LIMITS.maxKvKeys} keys`,
  kvBytes: `the KV store would exceed ${LIMITS.maxKvTotalBytes} bytes of values`,
} as const;
