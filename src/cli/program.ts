/** Who the CLI is: its name in messages (where docker says "docker") and its version. */
export const programName = 'berth';
export const programVersion = '0.1.0';
export const userAgent = `Berth-Client/${programVersion} (linux)`;
