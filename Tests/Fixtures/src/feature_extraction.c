/* FeatureExtraction stand-in (OpenFace 2.2.0 after `make install`: no RPATH or
 * RUNPATH).  Every run calls a function in each direct library, so all of them
 * bind; `-f FILE` also makes a BLAS call, which is when libmkl_rt.so.2 loads the
 * rest of MKL. */
#include <stdio.h>
#include <string.h>
int LandmarkDetector_init(void), FaceAnalyser_init(void), GazeAnalyser_init(void), Utilities_init(void);
int cv_getVersionMajor(void), cv_haveImageReader(void), cv_videoio_registry_getBackends(void);
int MKL_Set_Interface_Layer(int), cblas_sgemm(int, int, int);
int main(int argc, char **argv) {
  int n = LandmarkDetector_init() + FaceAnalyser_init() + GazeAnalyser_init() + Utilities_init()
        + cv_getVersionMajor() + cv_haveImageReader() + cv_videoio_registry_getBackends()
        + MKL_Set_Interface_Layer(0);
  printf("FeatureExtraction: started\n");
  (void)n;
  fflush(stdout);
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "-f") == 0) {
      cblas_sgemm(1, 1, 1);
      printf("BLAS ok\n");
    }
  return 0;
}
