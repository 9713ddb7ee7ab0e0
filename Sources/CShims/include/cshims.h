#ifndef NPREC_CSHIMS_H
#define NPREC_CSHIMS_H

/* C glue for what Swift cannot call directly: libjpeg and libpng report errors by longjmp
 * out of a callback, which must happen inside a C frame that called setjmp. Every function
 * here that calls into libjpeg/libpng sets its own setjmp guard, so a corrupt image returns
 * an error code and a message instead of exiting the process or unwinding Swift frames.
 * libtiff's tags are read through variadic functions (TIFFGetField), which Swift cannot call.
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
/* A decompressor reading the file at `path` (fopen, jpeg_stdio_src) a buffer at a time; use it as
 * one made by nprec_jpeg_decoder_create, then read rows with nprec_jpeg_read_rows. NULL with a
 * message (strerror) when the file cannot be opened. The file is closed by destroy. */
nprec_jpeg_decoder *nprec_jpeg_decoder_open(const char *path, char message[NPREC_MESSAGE_SIZE]);
/* After nprec_jpeg_read_header: the next `count` rows (jpeg_start_decompress on the first call,
 * jpeg_read_scanlines, and jpeg_finish_decompress after the last row) into `pixels`, which holds
 * count * width * components bytes. Corrupt-data warnings are errors. */
int nprec_jpeg_read_rows(nprec_jpeg_decoder *decoder, uint8_t *pixels, size_t capacity, uint32_t count);

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
/* A reader of the file at `path` (fopen, png_set_read_fn with fread) a buffer at a time; use it as
 * one made by nprec_png_decoder_create. NULL with a message (strerror) when the file cannot be
 * opened. The file is closed by destroy. */
nprec_png_decoder *nprec_png_decoder_open(const char *path, char message[NPREC_MESSAGE_SIZE]);
/* After nprec_png_read_header: 1 when the image is Adam7-interlaced (it must then be read whole
 * with nprec_png_read_pixels), else 0. */
int nprec_png_decoder_interlaced(const nprec_png_decoder *decoder);
/* After nprec_png_read_header, for a non-interlaced image: the next `count` rows (png_read_row,
 * and png_read_end after the last row) into `samples`, which holds count * rowbytes bytes. */
int nprec_png_read_rows(nprec_png_decoder *decoder, uint8_t *samples, size_t capacity, uint32_t count);

/* ---- TIFF (libtiff, tiffio.h) ---- */

/* libtiff reports errors through handlers, never by longjmp: each handle gets its own error and
 * warning handlers (TIFFOpenOptionsSetErrorHandlerExtR, libtiff 4.5 and later; with an older
 * libtiff the process-wide handlers, which get the handle as client data), which keep the first
 * error message of the current call in the handle; warnings are dropped. libtiff never writes to
 * stderr. TIFFGetField and TIFFSetField are variadic, so every tag is read here. */

typedef struct nprec_tiff nprec_tiff;

/* The layout of a TIFF's current image (its first directory, unless set). */
typedef struct nprec_tiff_layout {
    uint32_t width;
    uint32_t height;
    uint32_t samples_per_pixel;
    uint32_t bits_per_sample;
    uint32_t sample_format;  /* SAMPLEFORMAT_*: 1 unsigned, 2 signed, 3 IEEE float, 4 void, ... */
    uint32_t planar_config;  /* 1 contiguous (interleaved), 2 separate planes */
    uint32_t compression;    /* COMPRESSION_* */
    uint32_t photometric;    /* PHOTOMETRIC_* */
    uint32_t codec_configured; /* TIFFIsCODECConfigured(compression) */
    uint32_t subsampling_h;  /* YCbCr subsampling; 1 and 1 for other images */
    uint32_t subsampling_v;
    uint32_t tiled;
    uint32_t tile_width;     /* tiled images */
    uint32_t tile_length;
    uint32_t rows_per_strip; /* stripped images */
    uint64_t scanline_size;  /* TIFFScanlineSize64: one decoded row (of one plane when separate) */
    uint64_t tile_size;      /* TIFFTileSize64: one decoded tile (of one plane when separate) */
    uint64_t file_size;      /* bytes */
    uint32_t big_tiff;       /* TIFFIsBigTIFF */
    uint32_t last_directory; /* TIFFLastDirectory: 0 when more images (pages) follow */
} nprec_tiff_layout;

/* TIFFClientOpenExt(path, "r") over the file, which libtiff maps read-only and decodes strips and
 * tiles from. NULL with a message when the file cannot be opened or its first directory cannot
 * be read. */
nprec_tiff *nprec_tiff_open(const char *path, char message[NPREC_MESSAGE_SIZE]);
void nprec_tiff_close(nprec_tiff *tiff);
/* Drops the pages of the mapped file from the resident set (madvise MADV_DONTNEED); those needed
 * again are read again from the page cache. Called between bands, so that decoding a large
 * compressed strip keeps about one band of it resident. */
void nprec_tiff_release(nprec_tiff *tiff);
/* The first error message of the last call that failed. */
const char *nprec_tiff_message(const nprec_tiff *tiff);
/* Reads the tags of the first directory. A JPEG-compressed YCbCr image is set to decode to RGB
 * (TIFFTAG_JPEGCOLORMODE = JPEGCOLORMODE_RGB), which changes the scanline and tile sizes. */
int nprec_tiff_read_layout(nprec_tiff *tiff, nprec_tiff_layout *layout);
/* Rows first ..< first + count of plane `sample` (0 for contiguous images) of a stripped image,
 * one TIFFReadScanline each, into `rows` (count rows of `row_size` bytes, row_size at least the
 * scanline size). Sequential reads decode each strip once; starting anywhere else decodes the
 * strip from its start (or from where the last read stopped, when that is in the same strip
 * before `first`), as most codecs cannot skip rows. */
int nprec_tiff_read_scanlines(nprec_tiff *tiff, uint8_t *rows, size_t row_size, uint32_t first, uint32_t count,
                              uint32_t sample);
/* The tile holding pixel (x, y) of plane `sample` (TIFFComputeTile, TIFFReadEncodedTile) into
 * `tile`, which holds `capacity` bytes, at least the tile size. */
int nprec_tiff_read_tile(nprec_tiff *tiff, uint8_t *tile, size_t capacity, uint32_t x, uint32_t y, uint32_t sample);
/* The number of directories (pages) of the file (TIFFNumberOfDirectories); the first directory is
 * current again afterwards. -1 when they cannot be counted. */
int64_t nprec_tiff_directory_count(nprec_tiff *tiff);
/* The file offsets of the first `capacity` directories (TIFFReadDirectory from the first,
 * TIFFCurrentDirOffset), the first directory current again afterwards; the number written, or -1. */
int64_t nprec_tiff_directory_offsets(nprec_tiff *tiff, uint64_t *offsets, size_t capacity);
/* Makes the directory at file offset `offset` current (TIFFSetSubDirectory). */
int nprec_tiff_set_directory(nprec_tiff *tiff, uint64_t offset);
/* The ImageDescription tag of the current directory, or NULL; valid until the directory changes. */
const char *nprec_tiff_description(nprec_tiff *tiff);
/* XResolution and YResolution (pixels per unit) and ResolutionUnit (1 none, 2 inch, 3 cm) of the
 * current directory; -1 when XResolution or YResolution is absent. */
int nprec_tiff_resolution(nprec_tiff *tiff, double *x, double *y, uint32_t *unit);

#endif
