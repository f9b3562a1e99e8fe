/**
 * The message bus inside aedes (mqemitter), made safe for a deep queue. With a concurrency
 * limit, messages over it wait in a queue, and each delivery that ends starts the next one on
 * the same stack (released -> _do -> handlers -> released ...). When handlers finish at once, a
 * queue of thousands recurses thousands deep and the hub dies of "Maximum call stack size
 * exceeded": the hub-capacity benchmark crashed this way with ~2,250 nodes joining. Upstream:
 * mcollina/mqemitter#204 (open), where the maintainer asks for exactly this: go on in a fresh
 * stack (setImmediate) only when deliveries nest deeper than a bound, and keep the fast path.
 */
import mqemitter from 'mqemitter';

/** Deliveries started inside one another before the next one waits for a fresh stack. */
export const MAX_NESTED_DELIVERIES = 100;

type Deliver = (message: mqemitter.Message, callback: (error?: Error) => void) => unknown;
/** mqemitter's own delivery step, which every emit and every release goes through. */
type WithDeliver = mqemitter.MQEmitter & { _do: Deliver };

export function stackSafeMqEmitter(options: { concurrency: number }): mqemitter.MQEmitter {
  const mq = mqemitter({ concurrency: options.concurrency }) as WithDeliver;
  const deliver = mq._do.bind(mq);
  let depth = 0;
  mq._do = (message, callback) => {
    if (depth >= MAX_NESTED_DELIVERIES) {
      // Hold the slot meanwhile, so that messages emitted until then queue behind this one.
      mq.current++;
      setImmediate(() => {
        mq.current--;
        mq._do(message, callback);
      });
      return mq;
    }
    depth++;
    try {
      return deliver(message, callback);
    } finally {
      depth--;
    }
  };
  return mq;
}
