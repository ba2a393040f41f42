#ifndef OFDOCTOR_CLIBELF_SHIM_H
#define OFDOCTOR_CLIBELF_SHIM_H
#include <libelf.h>
#include <gelf.h>
#endif
