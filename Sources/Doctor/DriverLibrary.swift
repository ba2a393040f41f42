import Support

/// The NVIDIA driver's user-space libraries (`libcuda.so.1`, `libnvidia-ml.so.1`, …): a
/// container does not carry them in its image; the NVIDIA Container Toolkit mounts the host
/// driver's copies into it at start (`docker run --gpus all`), which is why an unpacked CUDA
/// image lacks them and a container started without `--gpus` fails for them. A copy baked
/// into the image must match the host's kernel driver, and the CUDA toolkit's link-time
/// stubs (`…/lib64/stubs/libcuda.so`) only let a program link: at run time every call fails.
/// So a missing one is never planned for: a person starts the container with the GPU, or
/// installs the driver on a machine.
public enum DriverLibrary {
    /// Whether `name` (a soname or file name) is one of the NVIDIA driver's libraries, as the
    /// NVIDIA Container Toolkit lists them: `libcuda`, `libcudadebugger`, `libnvcuvid`,
    /// `libnvoptix`, every `libnvidia-*`, and the vendor-suffixed GL/EGL/GLES/VDPAU ones
    /// (`libGLX_nvidia.so.0`).
    public static func isNVIDIA(_ name: String) -> Bool {
        func starts(_ prefix: String) -> Bool { name.hasBytePrefix(prefix) }
        return starts("libcuda.so") || starts("libcudadebugger.so") || starts("libnvcuvid.so") || starts("libnvoptix.so")
            || starts("libnvidia-") || name.containsBytes("_nvidia.so")
    }

    /// Whether `path` is a link-time stub: a library in a `stubs` directory, as the CUDA
    /// toolkit ships `libcuda.so` and the driver's other libraries (every call returns an error).
    /// Byte-wise: it is asked of every object of every check, and splitting the path into
    /// Substrings cost ~18,000 instructions a path (7% of `tree gdb`).
    public static func isLinkTimeStub(_ path: String) -> Bool {
        var path = path
        // Over the contiguous bytes: String.Index steps cost ~2,700 instructions a path.
        return path.withUTF8 { bytes in
            let slash = UInt8(ascii: "/")
            var componentStart = 0
            var stubsEnded = false  // a component "stubs" ended with a slash
            for index in bytes.indices {
                if bytes[index] == slash {
                    if !stubsEnded && index - componentStart == 5 && bytes[componentStart..<index].elementsEqual("stubs".utf8) {
                        stubsEnded = true
                    }
                    componentStart = index + 1
                } else if stubsEnded {
                    return true  // a component follows it: "stubs" is a directory on the way
                }
            }
            return false
        }
    }

    /// Why it is missing, said after the general explanation of LD002.
    public static func note(_ name: String) -> String {
        "\(name) is the NVIDIA driver's, not the image's: the NVIDIA Container Toolkit mounts the host driver's copy into a container started with the GPU, so an unpacked image, or a container started without it, has none. A copy baked into the image would have to match the host's kernel driver, and the CUDA toolkit's stubs (stubs/libcuda.so and kin) only let programs link: every call through one fails."
    }

    /// What a person does.
    public static func remedy(_ name: String) -> String {
        "Start the container with the GPU (docker run --gpus all, or --runtime=nvidia with the NVIDIA Container Toolkit installed on the host); on a machine, install the NVIDIA driver. Do not install \(name) into the image or put a stubs directory on the search path."
    }
}
