// The start-up benchmark's app: nothing. The time to run it is the preload's start-up cost.
process.exit(0);
