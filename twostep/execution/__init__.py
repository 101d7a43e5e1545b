"""Task-by-task execution: the plan's tasks with their files, each task's input, the proof that
a task was done, checkpoints, fix rounds, rollback and the validate gate. The `twostep` stages
in cli/taskstages.py call these functions; pipeline/taskphase.py lays out the steps."""
