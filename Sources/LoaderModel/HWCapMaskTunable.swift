/// `GLIBC_TUNABLES`' `glibc.cpu.hwcap_mask`, or its older name `LD_HWCAP_MASK`: which of
/// the CPU's legacy hwcap bits (`GLRO(dl_hwcap)`: `x86_64` 0x2, `avx512_1` 0x4) the loader
/// of glibc ≤ 2.36 uses. A subdirectory named after a bit the mask clears is not searched
/// (the platform's and `tls` still are: elf/dl-hwcaps.c `_dl_important_hwcaps` combines
/// `dl_hwcap & hwcap_mask`), and ld.so.cache entries marked with such a bit are passed over
/// (elf/dl-cache.c `HWCAP_CHECK`). Unset, the mask is `HWCAP_IMPORTANT`, which keeps both.
///
/// Measured with glibc 2.31's loader: `LD_HWCAP_MASK=0` and `glibc.cpu.hwcap_mask=0` search
/// `tls/x86_64`, `tls` and `x86_64` (the platform) but not `x86_64/x86_64`, and skip a cache
/// entry from a `…/x86_64/` directory; masks 2 and 0xffffffff change nothing. The value is
/// read as `_dl_strtoul` reads it; `GLIBC_TUNABLES` wins over the variable (it is parsed
/// last, elf/dl-tunables.c `__tunables_init`). Both are ignored in secure-execution mode
/// (the variable is erased, the tunable is `SXID_ERASE`): the caller applies it outside it.
public enum HWCapMaskTunable {
    /// The mask `environment` sets; nil when it sets none the loader takes.
    public static func mask(in environment: LoaderEnvironment) -> UInt64? {
        if let text = environment.tunable("glibc.cpu.hwcap_mask"), let mask = RtldTunables.unsignedValue(of: text) {
            return mask
        }
        return environment.variables["LD_HWCAP_MASK"].flatMap(RtldTunables.unsignedValue(of:))
    }
}
