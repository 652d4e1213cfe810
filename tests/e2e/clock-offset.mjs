// Loaded with `node --import` into a Purser process under test: its wall clock runs PURSER_TEST_CLOCK_OFFSET_MS
// ahead (Date.now() and new Date()), so a link issued by an earlier process on the same database is already
// past its lifetime here. Timers are untouched (they run on the monotonic clock).
const offset = Number(process.env.PURSER_TEST_CLOCK_OFFSET_MS ?? 0);
if (offset) {
  const RealDate = globalThis.Date;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate;
}
