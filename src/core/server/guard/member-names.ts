/**
 * The TLS name of a member: its certificate carries it (as a DNS name), and a peer dialling the
 * member checks the certificate against it, so a member certificate proves which member it is.
 */
export function memberServerName(memberId: string): string {
  return `${memberId.toLowerCase().replace(/_/g, '-')}.member.fleet`;
}
