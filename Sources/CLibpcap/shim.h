#ifndef MQSCOPE_CLIBPCAP_SHIM_H
#define MQSCOPE_CLIBPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
