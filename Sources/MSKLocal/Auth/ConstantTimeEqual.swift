/// Whether two byte strings are equal, in a time that depends only on their lengths: a
/// signature compared byte by byte with an early exit tells an attacker how much of a guess
/// was right.
func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
    return difference == 0
}
