/// The version a `vna_other` index stands for in a file's symbol versions: its name and the
/// `DT_NEEDED` name it is required from (`vn_file`).
struct NeededVersionName {
    var name: String
    var file: String?
}
