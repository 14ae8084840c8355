/** Key arithmetic of etcd ranges (shared by the etcd client and the etcd API members serve), without loading grpc-js. */

/** The range end that covers every key with `prefix`: the prefix with its last byte below 0xff bumped. */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  // An empty prefix or all 0xff: etcd's "\0" range end means every key from `key` on.
  return Buffer.from([0]);
}
