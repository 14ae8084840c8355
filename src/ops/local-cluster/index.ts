/**
 * Local clusters: `fleet init`, `up`, `down`, `destroy`, `ps` and `scale` as services. No
 * oclif and no flags here: commands build the options, call one function, and render its result.
 */
export { clustersRoot, dataHome, clusterPaths, CLUSTER_NAME, type ClusterPaths } from './paths.js';
export { readManifest, writeManifest, listManifests, endpointsOf, memberAddress, LOCAL_HOST, type ClusterManifest, type ManifestMember } from './manifest.js';
export { findCluster, openCluster, viewOf, type LocalCluster, type LocalClusterView, type LocalMemberView, type ClusterRunState } from './cluster-state.js';
export { initCluster, INIT_SIZES, type InitOptions, type InitPhases, type InitResult } from './init.js';
export { upCluster, downCluster, destroyCluster, listClusters, type UpOptions, type UpResult, type DownOptions, type DownResult, type DestroyOptions, type DestroyResult, type CurrentAfterRemoval } from './lifecycle.js';
export { scaleCluster, type ScaleOptions, type ScaleResult } from './scale/scale.js';
export { MIN_NODES, MAX_NODES } from './scale/scale-plan.js';
export { SILENT_PROGRESS, type Progress } from './wait.js';
export { initEtcdCluster, type EtcdInitOptions, type EtcdInitResult } from './etcd/etcd-cluster.js';
export { findEtcdBinary, ETCD_PACKAGE } from './etcd/etcd-members.js';
export { recoverLocalCluster, type RecoverOptions, type RecoverResult } from './recover.js';
export { psClusters, withRoles, localTarget, type PsClusterView, type PsMemberView, type PsRole, type StatusOfTarget } from './ps.js';
