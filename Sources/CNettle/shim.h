#ifndef OFDOCTOR_CNETTLE_SHIM_H
#define OFDOCTOR_CNETTLE_SHIM_H
#include <nettle/sha2.h>
#include <nettle/hmac.h>
#endif
