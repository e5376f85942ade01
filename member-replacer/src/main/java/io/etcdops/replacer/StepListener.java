package io.etcdops.replacer;

/**
 * Told after each step of a replacement completes (the step names are in {@link ReplicaRebuild}). The CLI passes
 * {@link #NONE}; tests pass one that stops the run at a chosen step, to prove the next run re-plans from there.
 */
@FunctionalInterface
interface StepListener {
    StepListener NONE = step -> { };

    void completed(String step);
}
