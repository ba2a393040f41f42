/// The first line of a file a fix writes (ofdoctor's conf file in ld.so.conf.d, its profile
/// script): every one starts with `mark`, which is what makes the file ofdoctor's to change
/// again, and says what undoes it, which depends on what wrote it: only `fix --apply` keeps a
/// journal for `ofdoctor undo`.
public enum FileHeader {
    /// What every header starts with (`ProfileScript` and the fix script read it).
    public static let mark = "# Written by ofdoctor"
    public static let apply = mark + " fix --apply; `ofdoctor undo` removes it."
    /// `fix --format sh`: a script keeps no journal, so `ofdoctor undo` does not know the file.
    public static let script = mark + "'s fix script (fix --format sh), which keeps no journal: delete this file to undo it."
    public static let dockerfile = mark + "'s Dockerfile lines (fix --format dockerfile); the image built without them is the original."
    public static let imageLayer = mark + " fix --image in a layer of its own; the image without that layer is the original."
}
