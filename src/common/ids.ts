import { randomBytes, randomInt } from 'node:crypto';

/** A new object id: 64 lowercase hex characters, like Docker's container and exec ids. */
export function newId(): string {
  for (;;) {
    const id = randomBytes(32).toString('hex');
    // An all-digit 12-char prefix would be ambiguous with numeric arguments (Docker avoids it too).
    if (!/^\d{12}$/.test(id.slice(0, 12))) return id;
  }
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

// Our own word lists: harbour words and people who shaped computing and physics.
const adjectives = [
  'amber', 'brave', 'brisk', 'calm', 'clever', 'cosmic', 'crisp', 'daring', 'deft', 'eager', 'early',
  'fair', 'fervent', 'fluent', 'gentle', 'glad', 'golden', 'grand', 'hardy', 'hearty', 'humble',
  'jolly', 'keen', 'kind', 'lively', 'loyal', 'lucid', 'merry', 'mellow', 'modest', 'nimble', 'noble',
  'patient', 'placid', 'plucky', 'proud', 'quick', 'quiet', 'rapid', 'ready', 'serene', 'sharp',
  'silent', 'snug', 'solid', 'steady', 'sturdy', 'sunny', 'swift', 'tidy', 'trusty', 'upbeat',
  'vivid', 'warm', 'wise', 'witty', 'zesty',
];
const surnames = [
  'allen', 'babbage', 'backus', 'bell', 'bohr', 'boole', 'cerf', 'church', 'codd', 'conway', 'curie',
  'dijkstra', 'einstein', 'engelbart', 'euler', 'faraday', 'fermi', 'feynman', 'gauss', 'goldberg',
  'hamilton', 'hopper', 'huffman', 'johnson', 'kahn', 'kay', 'kernighan', 'knuth', 'lamport',
  'liskov', 'lovelace', 'maxwell', 'mccarthy', 'meitner', 'minsky', 'moore', 'naur', 'neumann',
  'noether', 'pascal', 'perlman', 'ritchie', 'shannon', 'sammet', 'stallman', 'sutherland',
  'tarjan', 'thompson', 'torvalds', 'turing', 'wirth', 'wozniak',
];

/** A readable random container name such as `nimble_lovelace`; `attempt` > 0 adds a digit. */
export function randomName(attempt = 0): string {
  const name = `${adjectives[randomInt(adjectives.length)]}_${surnames[randomInt(surnames.length)]}`;
  return attempt > 0 ? `${name}${randomInt(10)}` : name;
}
