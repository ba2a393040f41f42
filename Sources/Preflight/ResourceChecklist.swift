/// The items the seed's docker_resources checklist asks for (step 1 of its build guide),
/// and what each real file weighs.
public struct ResourceChecklist: Sendable {
    /// `docker save` of the base image; loaded by hand with `docker load -i`.
    public var pytorchArchive = "pytorch-2.0.1-cuda11.7.tar"
    /// The seed gives "about 6.4 GB"; an archive under half of that is flagged.
    public var pytorchExpectedSize: UInt64 = 6_400_000_000
    /// The tag `Dockerfile.final` builds `FROM`.
    public var pytorchTag = "pytorch/pytorch:2.0.1-cuda11.7-cudnn8-devel"
    public var deepspeechArchive = "deepspeech-0_1_0-b90017e8.pb.zip"
    public var weightsFolder = "pretrained_weights"
    public var morphableModel = "01_MorphableModel.mat"
    public var faceParsingCheckpoint = "79999_iter.pth"
    /// torchvision names: `<model>-<first hex digits of the SHA-256>.pth` (torch.hub check_hash).
    public var hashNamedCheckpoints = ["alexnet-owt-7be5be79.pth", "resnet18-5c106cde.pth", "vgg16-397923af.pth"]
    public var openFaceFolder = "OpenFace 2.2.0"
    /// GitHub's name for a tarball of commit 658a6a1: `<owner>-<repo>-<short sha>`.
    public var openFaceTree = "TadasBaltrusaitis-OpenFace-658a6a1"

    public init() {}

    /// The checklist as the seed writes it.
    public static let seed = ResourceChecklist()
}
