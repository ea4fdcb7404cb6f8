// Timing and size knobs of the fault cases (not a test file itself: tap only runs *.test.ts).
// Every figure a fault case or a check waits for, or sizes itself by, is here, so that
// tuning the fault suite means reading one short file.

/** How long the fault cases wait for things. Every figure a fault case relies on is here. */
export const FAULT_TIMING = {
  /** A request with no response after this long counts as hung. */
  requestTimeoutMs: 10_000,
  /** The app must serve a read and a write this soon after the database accepts connections again. */
  recoveryLimitMs: 5_000,
  /** Probing for recovery gives up after this long (then the case fails). */
  recoveryGiveUpMs: 15_000,
  /** Between two recovery probes that failed. */
  probeIntervalMs: 50,
  /** Load before the first fault. */
  warmupMs: 1_000,
  /** Load kept on after each fault, before the next one. */
  afterFaultMs: 1_500,
  /** After the load stops: how long the pool and the server may take to show every connection returned. */
  settleMs: 5_000,
  /** A load worker pauses this long after an error (no busy loop while the database is down). */
  backoffAfterErrorMs: 25,
  /** A private server must start (or stop) within this long. */
  serverStartTimeoutMs: 60_000
} as const

/** How long a call on a session whose connection was killed may take to reject (or `close()` to settle). */
export const SETTLE_CALL_MS = 5_000
/** After the server kills a checked-out idle connection, time for the driver to see the socket close (the unhandled 'error' event that crashes a process comes then). */
export const NOTICE_KILL_MS = 300

/** The pool of the pool-exhaustion cases. */
export const SMALL_POOL = { max: 2, acquireTimeoutMs: 300 } as const
/** A request refused for want of a connection must be answered within `acquireTimeoutMs` plus this. */
export const POOL_TIMEOUT_SLACK_MS = 1_500
/** The held-and-killed variant waits this long for a connection (long enough for the kill to free one). */
export const PATIENT_ACQUIRE_MS = 8_000

/**
 * The client-abort case: how many writes it sends and how many at once; first
 * `calibration` writes without aborts measure their median latency, then each write is
 * aborted after a random delay between 0 and `delayFactor` × that median, so that aborts
 * land before, during and after the INSERTs and COMMITs — but for a share `waitedFor` of
 * them, which the client waits for.
 */
export const CLIENT_ABORTS = { requests: 400, concurrency: 20, calibration: 60, delayFactor: 2, waitedFor: 0.1 } as const
