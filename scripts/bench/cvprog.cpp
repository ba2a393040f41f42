// A tiny OpenCV GUI program: its closure (highgui -> GTK/Qt, imgcodecs -> image
// libraries, videoio -> GStreamer/FFmpeg, ...) is a real 100+ library closure.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/highgui.hpp>

int main(int argc, char **argv) {
    if (argc < 2) return 64;
    cv::Mat image = cv::imread(argv[1]);
    if (image.empty()) return 1;
    cv::imshow("ofdoctor-bench", image);
    cv::waitKey(0);
    return 0;
}
