/// Shard `index` of `count` (1-based) of a batch: item k belongs to shard (k mod count) + 1.
/// Round-robin rather than contiguous blocks, so a sweep's expensive tail spreads over shards.
public func shardSlice<Item>(_ items: [Item], index: Int, count: Int) -> [Item] {
    precondition(count >= 1 && (1...count).contains(index), "Shard \(index)/\(count) is not 1...\(count) of \(count)")
    return items.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
}
