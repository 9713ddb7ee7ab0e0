#include <hdf5.h>

/* libhdf5's predefined type and property-class ids are macros over mutable globals
   (H5T_NATIVE_DOUBLE_g...), which Swift 6 cannot read without a data-race diagnostic. */
static inline hid_t nprec_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t nprec_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t nprec_h5p_dataset_access(void) { return H5P_DATASET_ACCESS; }
