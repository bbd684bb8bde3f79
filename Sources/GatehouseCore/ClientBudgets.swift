/// One hourly budget a request spends: a counter and its window.
struct Budget {
    let key: String
    let window: RateWindow
}

/// A budget that had no room: how long until it has, and how many
/// refusals it has tallied in this window (for thinning the audit log).
struct BudgetSpent {
    let wait: Int
    let refusals: Int
}

extension Accounts {
    /// A per-client budget, counted twice: by the client's network (an IPv4
    /// address, an IPv6 /64) and by the wider network around it (a /24, a
    /// /48), which may spend `wideNetworkFactor` times as much. Fifty
    /// addresses of one network are then not fifty budgets.
    func clientBudgets(_ domain: String, clientIP: String, perHour: Int) -> [Budget] {
        let (limit, overflow) = perHour.multipliedReportingOverflow(by: policy.wideNetworkFactor)
        return [Budget(key: keys.hex(clientNetwork(clientIP), domain: domain), window: RateWindow(limit: perHour)),
                Budget(key: keys.hex(wideNetwork(clientIP), domain: domain + "-wide"),
                       window: RateWindow(limit: overflow ? Int.max / 2 : limit))]
    }

    func clientNetwork(_ clientIP: String) -> String {
        ClientNetwork.key(clientIP, ipv6PrefixLength: policy.ipv6PrefixLength)
    }

    func wideNetwork(_ clientIP: String) -> String {
        ClientNetwork.key(clientIP, ipv4PrefixLength: policy.ipv4WidePrefixLength, ipv6PrefixLength: policy.ipv6WidePrefixLength)
    }

    /// Takes one from each budget in order, all or nothing, each decided
    /// under its counter's lock: at the first that is spent, the ones taken
    /// before it are given back, so a refused request uses up nothing.
    /// `counts` gets each budget's count after this request.
    func take(_ budgets: [Budget], now: Int64, counts: inout [Int]) throws -> BudgetSpent? {
        counts = []
        for (i, budget) in budgets.enumerated() {
            var wait: Int?, refusals = 0, count = 0
            try store.updateCounter(budget.key) {
                wait = budget.window.take(&$0, now: now)
                refusals = budget.window.refusals($0)
                count = min($0.count, budget.window.limit)
            }
            if let wait {
                try giveBack(budgets[..<i], now: now)
                return BudgetSpent(wait: max(1, wait), refusals: refusals)
            }
            counts.append(count)
        }
        return nil
    }

    func take(_ budgets: [Budget], now: Int64) throws -> BudgetSpent? {
        var counts = [Int]()
        return try take(budgets, now: now, counts: &counts)
    }

    /// Undoes one `take` of each (a success, or a refusal further on). A
    /// counter given back to nothing is removed: a flood that is refused
    /// or given back leaves nothing behind.
    func giveBack(_ budgets: some Sequence<Budget>, now: Int64) throws {
        for budget in budgets {
            try store.updateExistingCounter(budget.key, removingIf: { $0.count == 0 }) { budget.window.giveBack(&$0, now: now) }
        }
    }
}
