// HDF5 (serial). Many HDF5 constants are macros that call H5open() and read a global;
// Swift cannot import those, so they are wrapped here as inline functions.
#ifndef SYNK_CHDF5_SHIM_H
#define SYNK_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t synk_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t synk_H5S_ALL(void) { return H5S_ALL; }
static inline unsigned synk_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned synk_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned synk_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned synk_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline hid_t synk_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t synk_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t synk_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t synk_H5P_GROUP_CREATE(void) { return H5P_GROUP_CREATE; }
static inline hid_t synk_H5P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
static inline hid_t synk_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t synk_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t synk_H5T_NATIVE_INT16(void) { return H5T_NATIVE_INT16; }
static inline hid_t synk_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t synk_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t synk_H5T_NATIVE_UINT16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t synk_H5T_NATIVE_UINT32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t synk_H5T_NATIVE_INT(void) { return H5T_NATIVE_INT; }
static inline hid_t synk_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t synk_H5T_STD_I32LE(void) { return H5T_STD_I32LE; }
static inline hid_t synk_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t synk_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t synk_H5T_STD_I16LE(void) { return H5T_STD_I16LE; }
static inline hid_t synk_H5T_STD_REF_OBJ(void) { return H5T_STD_REF_OBJ; }
static inline size_t synk_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline hsize_t synk_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }

/// Silences HDF5's default error stack printing: synk reports its own one-line errors.
static inline void synk_H5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#endif
