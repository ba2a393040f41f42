/// `O_PATH` (Linux, 010000000): glibc defines it only under `_GNU_SOURCE`, which Swift's
/// Glibc module does not see. A descriptor that names a directory for the `*at` calls
/// without the right to read it: the examined root's (`LocalRoot`) and the confined writes'
/// (`ConfinedRoot`). Elsewhere 0: a plain read-only descriptor serves.
#if os(Linux)
package let openPathOnly: Int32 = 0o10000000
#else
package let openPathOnly: Int32 = 0
#endif
