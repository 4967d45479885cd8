/**
 * Options every piscina pool in Quire shares. `stricterFIFO`: without it piscina 5 puts a task it
 * could not hand to a busy thread back at the *tail* of its queue, so under steady load on one
 * thread a request can wait until the load stops (piscinajs/piscina#1031; measured here: one of
 * four clients waited 10.8 s behind 0.26 s inferences while the other three were served).
 */
export const FAIR_QUEUE = { stricterFIFO: true } as const;
