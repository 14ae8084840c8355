// Original file: proto/fleet/v1/admin.proto


export interface DownloadSnapshotRequest {
  'fresh'?: (boolean);
}

export interface DownloadSnapshotRequest__Output {
  'fresh': (boolean);
}
