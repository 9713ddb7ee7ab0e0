#ifndef NPREC_CSHIMS_H
#define NPREC_CSHIMS_H

/* C glue for what Swift cannot call directly: libjpeg and libpng report errors by longjmp
 * out of a callback, which must happen inside a C frame that called setjmp. Every function
 * here that calls into libjpeg/libpng sets its own setjmp guard, so a corrupt image returns
 * an error code and a message instead of exiting the process or unwinding Swift frames.
 *
 * Only plain C types appear here; the libraries' own headers stay in the .c files.
 * Only the `Codecs` module imports this. */

#include <stddef.h>
#include <stdint.h>

#define NPREC_MESSAGE_SIZE 200

/* Frees a buffer returned by nprec_jpeg_encode or nprec_png_encode. */
void nprec_free(void *pointer);

/* ---- JPEG (libjpeg, classic jpeglib.h API) ---- */

/* The largest side libjpeg writes (its JPEG_MAX_DIMENSION). */
long nprec_jpeg_max_dimension(void);

/* Compresses interleaved 8-bit pixels (1 = greyscale, 3 = RGB, stored as YCbCr) with
 * jpeg_set_defaults, jpeg_set_quality(quality, TRUE), 1x1 sampling on every component (4:4:4),
 * optionally jpeg_simple_progression and optimize_coding, into a malloc'd buffer (jpeg_mem_dest).
 * Returns 0 and sets *out / *out_size, or returns -1 and writes a message. */
int nprec_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int components, int quality,
                      int progressive, int optimize_huffman, uint8_t **out, size_t *out_size,
                      char message[NPREC_MESSAGE_SIZE]);

typedef struct nprec_jpeg_decoder nprec_jpeg_decoder;

/* A decompressor over `size` bytes at `data` (jpeg_create_decompress, jpeg_mem_src); the bytes
 * must stay valid until nprec_jpeg_decoder_destroy. NULL when out of memory. */
nprec_jpeg_decoder *nprec_jpeg_decoder_create(const uint8_t *data, size_t size);
void nprec_jpeg_decoder_destroy(nprec_jpeg_decoder *decoder);
/* jpeg_read_header and jpeg_calc_output_dimensions: output size and components per pixel
 * (1 for greyscale, 3 for YCbCr or RGB files, which are converted to RGB; 4 for CMYK/YCCK). */
int nprec_jpeg_read_header(nprec_jpeg_decoder *decoder, uint32_t *width, uint32_t *height, int *components);
/* jpeg_start_decompress, jpeg_read_scanlines, jpeg_finish_decompress into `pixels`, which holds
 * width * height * components bytes. Corrupt-data warnings (truncation, bad Huffman codes) are
 * errors. */
int nprec_jpeg_read_pixels(nprec_jpeg_decoder *decoder, uint8_t *pixels, size_t capacity);
/* The message of the last error. */
const char *nprec_jpeg_decoder_message(const nprec_jpeg_decoder *decoder);

/* ---- PNG (libpng, classic png.h API) ---- */

/* Compresses interleaved samples (channels 1-4: grey, grey+alpha, RGB, RGBA; bit depth 8 or 16,
 * 16-bit samples in host order, written big-endian via png_set_swap on little-endian hosts)
 * with png_set_IHDR, png_set_compression_level and png_write_image, no interlacing, into a
 * malloc'd buffer (png_set_write_fn). Returns 0, or -1 and writes a message. */
int nprec_png_encode(const uint8_t *samples, uint32_t width, uint32_t height, int channels, int bit_depth,
                     int compression_level, uint8_t **out, size_t *out_size, char message[NPREC_MESSAGE_SIZE]);

typedef struct nprec_png_decoder nprec_png_decoder;

/* A reader over `size` bytes at `data` (png_create_read_struct, png_set_read_fn); the bytes must
 * stay valid until nprec_png_decoder_destroy. NULL when out of memory. */
nprec_png_decoder *nprec_png_decoder_create(const uint8_t *data, size_t size);
void nprec_png_decoder_destroy(nprec_png_decoder *decoder);
/* png_read_info, then only these transforms: palette to RGB (png_set_palette_to_rgb, with tRNS to
 * alpha for palette images only), 1/2/4-bit grey to 8-bit (png_set_expand_gray_1_2_4_to_8),
 * 16-bit to host order (png_set_swap on little-endian hosts) and Adam7 de-interlacing
 * (png_set_interlace_handling); no gamma, alpha or colour conversion. Reports the output image:
 * size, channels (1-4) and bit depth (8 or 16). */
int nprec_png_read_header(nprec_png_decoder *decoder, uint32_t *width, uint32_t *height, int *channels,
                          int *bit_depth);
/* png_read_image and png_read_end into `samples`, which holds
 * width * height * channels * bit_depth / 8 bytes. */
int nprec_png_read_pixels(nprec_png_decoder *decoder, uint8_t *samples, size_t capacity);
const char *nprec_png_decoder_message(const nprec_png_decoder *decoder);

#endif
