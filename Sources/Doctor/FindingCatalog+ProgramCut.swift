import ELFInspect
import LoaderModel

extension FindingCatalog {
    // MARK: - program-cut-short

    /// `program-cut-short`: the program's own file ends before its segments do (`ProgramCut`).
    /// An error when starting it touches the missing part — the kernel as it maps it, the
    /// loader reading or relocating it, its first instruction — else a warning that is a
    /// problem, as LD032 is for a library.
    static func programCutFinding(_ graph: LoadGraph) -> Finding? {
        guard let cut = graph.programCut else { return nil }
        let path = graph.executable.path
        let sizes = "\(path) is \(cut.fileSize) bytes, but its segments run to byte \(cut.segmentsEnd) (a copy, download or image layer cut short). "
        let mapped = "The kernel maps a program's segments with mmap, which succeeds past a file's end, and kills the process at the first touch of a page that holds no byte of the file. "
        let start: Finding.StartPrediction?
        switch cut.outcome {
        case .killedAtStart(let fault), .killedLater(let fault): start = .killedBy(fault.signals)
        case .lostForMapping, .lostForRelocation: start = .segmentationFault
        case .entryCut: start = .uncertain
        case .diesIfTouched, .readsZeros: start = nil
        }
        func finding(_ severity: Severity, _ summary: String, _ what: String) -> Finding {
            var finding = Finding(id: .programCutShort, rule: .programCutShort, severity: severity,
                                  summary: "\(path) is cut short: \(summary)", explanation: sizes + what,
                                  neededBy: [path], resolvedTo: path,
                                  remedy: reinstall(path) + " (\(cut.segmentsEnd) bytes or more).")
            finding.reinstallPath = path
            finding.startPrediction = start
            return finding
        }
        switch cut.outcome {
        case .killedAtStart(let fault) where fault.stage == .kernelZeroFill:
            return finding(.error, "the kernel kills it with SIGSEGV as it starts it",
                           mapped + "Here the kernel itself touches one first: it zero-fills the rest of the page where its writable segment's file bytes end (the start of its .bss, file offset \(fault.offset)), which lies past the end, so the kernel kills the process with SIGSEGV before the loader runs. "
                            + "Nothing is printed; a shell says \(fault.shellText), and docker run exits with that status too. ldd and ld.so --list map the program themselves and die of SIGBUS on the same page (ldd: \"exited with unknown exit code (135)\"), whatever its libraries.")
        case .killedAtStart(let fault):
            return finding(.error, "the loader dies of \(fault.signal) \(fault.stage.activity)",
                           mapped + "Here the loader touches one first, \(fault.stage.activity) (file offset \(fault.offset)), before it loads any library. "
                            + "Nothing is printed; a shell says \(fault.shellText), and docker run exits with that status too. ldd and ld.so --list die the same way, whatever its libraries.")
        case .killedLater(let fault) where fault.stage == .entryPoint:
            return finding(.error, "it dies of SIGBUS at its first instruction",
                           mapped + "The loader maps and relocates everything without touching the missing part, so ldd and ldd -r find nothing wrong; then the program's entry point (file offset \(fault.offset)) lies past the end, and it dies there. "
                            + "Nothing is printed; a shell says \(fault.shellText).")
        case .killedLater(let fault):
            return finding(.error, "the loader dies of SIGBUS relocating it",
                           mapped + "The loader maps the program's libraries and checks their versions first, and relocates the program after them; a relocation of the program writes to a page past the end (file offset \(fault.offset)), and it dies there. "
                            + "Nothing is printed; a shell says \(fault.shellText). ldd lists the libraries; ldd -r dies the same way.")
        case .lostForMapping(let lost):
            return finding(.error, "its dynamic section has \(lost): the loader dies of SIGSEGV reading it",
                           "The file ends inside its dynamic section, and the rest of that page reads as zeros, so the loader reads the entries before the cut: they have \(lost), the entry it checks the first against, and it reads that entry through a null pointer before it loads any library. Nothing is printed; a shell says \"Segmentation fault\" (exit status 139), and ldd and ld.so --list die the same way.")
        case .lostForRelocation(let lost):
            return finding(.error, "its dynamic section has \(lost): the loader dies of SIGSEGV relocating it",
                           "The file ends inside its dynamic section, and the rest of that page reads as zeros, so the loader reads the entries before the cut and goes on with them: they lack \(lost.hasPrefix("no ") ? String(lost.dropFirst(3)) : lost), and relocating the program it crashes. Nothing is printed; a shell says \"Segmentation fault\" (exit status 139).")
        case .diesIfTouched:
            let zeros = cut.fileSize % PastEndOfFile.pageSize == 0 ? ""
                : " The rest of the file's last page reads as zeros (from byte \(cut.fileSize) on): whatever those bytes held is gone, and what the program reads there is wrong."
            return finding(.warning, "it dies of SIGBUS if it touches the missing part",
                           mapped + "Neither the kernel nor the loader touches the missing part as it starts, so ldd and ldd -r find nothing wrong; the program's first access to it (its code or data) kills it with SIGBUS: a shell says \"Bus error\", exit status 135. A run that never uses that part goes on." + zeros)
        case .entryCut(let index, let tag):
            return finding(.warning, "its dynamic section is cut inside an entry: the loader may fail on it",
                           "The file ends inside entry \(index) of its dynamic section (\(DynamicTagName.of(tag))), and the rest of that page reads as zeros: the loader reads that entry with part of its value lost and goes on without the entries after it. What it does with such a value — an address, size or count it dereferences, walks or asserts on — depends on the bytes that were lost: it may crash, stop with an assertion or an error, or start the program. ofdoctor does not judge it further.")
        case .readsZeros:
            return finding(.warning, "it reads zeros where the file ends",
                           "The missing bytes lie in the file's last page, which is mapped whole and reads as zeros past the end: no signal, but whatever they held (from byte \(cut.fileSize) on: data, tables, the end of its dynamic section) is gone, and what the program reads there is wrong. Failures reported with it here can come from that.")
        }
    }
}
