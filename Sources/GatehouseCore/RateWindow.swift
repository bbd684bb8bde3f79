/// A fixed window of `length` seconds over a counter: `until` holds the
/// window's start, `count` the events in it. Pure arithmetic.
package struct RateWindow: Sendable {
    package let limit: Int
    package let length: Int

    package init(limit: Int, length: Int = 3600) {
        self.limit = limit
        self.length = length
    }

    /// Counts one event if the window has room; otherwise returns how long
    /// until it has, and tallies the refusal past the limit (`refusals`),
    /// so a flood's audit lines can be thinned without losing its size.
    package func take(_ c: inout CounterRecord, now: Int64) -> Int? {
        if now - c.until >= Int64(length) { c = CounterRecord(count: 0, last: now, until: now) }
        defer { retain(&c) }
        if c.count >= limit {
            c.count = min(c.count + 1, limit + 1_000_000_000)
            return Int(c.until + Int64(length) - now)
        }
        c.count += 1
        c.last = now
        return nil
    }

    /// Undoes one `take` that turned out not to count (a success, or a
    /// refusal further on), if the window it was taken in is still open.
    package func giveBack(_ c: inout CounterRecord, now: Int64) {
        // Past the limit the count also tallies refusals; giving one back
        // frees one slot all the same (and starts the tally afresh).
        if now - c.until < Int64(length) && c.count > 0 { c.count = min(c.count, limit) - 1 }
        retain(&c)
    }

    /// The window means nothing once it is over, and refuses until then
    /// once it is full.
    func retain(_ c: inout CounterRecord) {
        c.expires = c.until + Int64(length)
        c.holdUntil = c.count >= limit ? c.expires : 0
    }

    /// Refusals tallied in this window so far.
    package func refusals(_ c: CounterRecord) -> Int { max(0, c.count - limit) }

    package func isFull(_ c: CounterRecord, now: Int64) -> Int? {
        if now - c.until >= Int64(length) { return nil }
        return c.count >= limit ? Int(c.until + Int64(length) - now) : nil
    }
}
