/* libtiff calls that Swift cannot make (TIFFGetField and TIFFSetField are variadic), and the
 * error handling of every libtiff handle. libtiff never longjmps: a failing call returns an error
 * code after passing its message to the error handlers. Each handle installs its own handlers
 * (TIFFOpenOptionsSetErrorHandlerExtR, libtiff 4.5 and later; an older libtiff calls the
 * process-wide handlers with the handle as client data), which keep the first message of the
 * current shim call in the handle, so concurrent handles on other threads never mix their
 * messages. Warnings (unknown tags, odd but readable metadata) are dropped. Files are opened with
 * TIFFClientOpenExt over our own file procedures, so that the mapping libtiff decodes from is
 * known and its pages can be released between bands (nprec_tiff_release). */

#define _GNU_SOURCE /* madvise */

#include "cshims.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tiffio.h>
#include <tiffvers.h>

#ifndef NPREC_TIFF_HANDLE_HANDLERS
#if defined(TIFFLIB_VERSION) && TIFFLIB_VERSION >= 20221213
#define NPREC_TIFF_HANDLE_HANDLERS 1
#else
#define NPREC_TIFF_HANDLE_HANDLERS 0
#endif
#endif

struct nprec_tiff {
    TIFF *tif;
    int fd;
    void *map;       /* the whole file, mapped read-only by nprec_tiff_map */
    size_t map_size;
    int has_message;
    char message[NPREC_MESSAGE_SIZE];
    uint32_t next_row;    /* the row after the last scanline decoded, or UINT32_MAX when unknown */
    uint32_t next_sample; /* and its plane */
    uint8_t *scratch;     /* one scanline, for rows decoded only to reach a later one */
};

static void nprec_tiff_record(struct nprec_tiff *handle, const char *format, va_list args) {
    if (handle == NULL || handle->has_message) return;
    vsnprintf(handle->message, sizeof handle->message, format, args);
    handle->has_message = 1;
}

#if NPREC_TIFF_HANDLE_HANDLERS
static int nprec_tiff_error(TIFF *tif, void *user_data, const char *module, const char *format, va_list args) {
    (void)tif;
    (void)module;
    nprec_tiff_record(user_data, format, args);
    return 1; /* handled: the process-wide handlers are not called */
}

static int nprec_tiff_warning(TIFF *tif, void *user_data, const char *module, const char *format, va_list args) {
    (void)tif;
    (void)user_data;
    (void)module;
    (void)format;
    (void)args;
    return 1;
}
#else
/* An older libtiff has process-wide handlers only; they get the client data of the handle, which
 * is the nprec_tiff itself. */
static void nprec_tiff_global_error(thandle_t client, const char *module, const char *format, va_list args) {
    (void)module;
    nprec_tiff_record((struct nprec_tiff *)client, format, args);
}

static void nprec_tiff_global_warning(thandle_t client, const char *module, const char *format, va_list args) {
    (void)client;
    (void)module;
    (void)format;
    (void)args;
}
#endif

/* The process-wide handlers print to stderr by default; they are silenced once, so that a message
 * that some code path sends only to them never reaches the terminal. */
static pthread_once_t nprec_tiff_once = PTHREAD_ONCE_INIT;

static void nprec_tiff_install(void) {
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
#if !NPREC_TIFF_HANDLE_HANDLERS
    TIFFSetErrorHandlerExt(nprec_tiff_global_error);
    TIFFSetWarningHandlerExt(nprec_tiff_global_warning);
#endif
}

/* Starts a shim call: clears the message. */
static void nprec_tiff_begin(struct nprec_tiff *handle) {
    handle->has_message = 0;
    handle->message[0] = 0;
}

/* ---- file access (TIFFClientOpen procedures) ----
 * As TIFFOpen's, but the mapping of the file is known, so that nprec_tiff_release can drop the
 * pages that were decoded from the resident set: a large compressed strip is decoded straight
 * from the mapping, a band of rows at a time, and never copied into memory whole. */

static tmsize_t nprec_tiff_read_proc(thandle_t client, void *buffer, tmsize_t size) {
    struct nprec_tiff *handle = client;
    size_t done = 0;
    while (done < (size_t)size) {
        ssize_t count = read(handle->fd, (uint8_t *)buffer + done, (size_t)size - done);
        if (count < 0 && errno == EINTR) continue;
        if (count < 0) return done > 0 ? (tmsize_t)done : -1;
        if (count == 0) break;
        done += (size_t)count;
    }
    return (tmsize_t)done;
}

static tmsize_t nprec_tiff_write_proc(thandle_t client, void *buffer, tmsize_t size) {
    (void)client;
    (void)buffer;
    (void)size;
    return -1; /* read-only */
}

static toff_t nprec_tiff_seek_proc(thandle_t client, toff_t offset, int whence) {
    struct nprec_tiff *handle = client;
    if (offset > (toff_t)INT64_MAX) return (toff_t)-1;
    off_t position = lseek(handle->fd, (off_t)offset, whence);
    return position < 0 ? (toff_t)-1 : (toff_t)position;
}

static int nprec_tiff_close_proc(thandle_t client) {
    (void)client;
    return 0; /* the file is closed by nprec_tiff_close */
}

static toff_t nprec_tiff_size_proc(thandle_t client) {
    struct nprec_tiff *handle = client;
    struct stat status;
    return fstat(handle->fd, &status) == 0 ? (toff_t)status.st_size : 0;
}

static int nprec_tiff_map_proc(thandle_t client, void **base, toff_t *size) {
    struct nprec_tiff *handle = client;
    toff_t file_size = nprec_tiff_size_proc(client);
    if (file_size == 0 || file_size > (toff_t)SIZE_MAX) return 0;
    void *map = mmap(NULL, (size_t)file_size, PROT_READ, MAP_SHARED, handle->fd, 0);
    if (map == MAP_FAILED) return 0;
    handle->map = map;
    handle->map_size = (size_t)file_size;
    *base = map;
    *size = file_size;
    return 1;
}

static void nprec_tiff_unmap_proc(thandle_t client, void *base, toff_t size) {
    struct nprec_tiff *handle = client;
    munmap(base, (size_t)size);
    if (base == handle->map) {
        handle->map = NULL;
        handle->map_size = 0;
    }
}

void nprec_tiff_release(nprec_tiff *tiff) {
    if (tiff->map != NULL) madvise(tiff->map, tiff->map_size, MADV_DONTNEED);
}

/* Fails a shim call, with `fallback` as the message when libtiff gave none. */
static int nprec_tiff_fail(struct nprec_tiff *handle, const char *fallback) {
    if (!handle->has_message) {
        snprintf(handle->message, sizeof handle->message, "%s", fallback);
        handle->has_message = 1;
    }
    return -1;
}

nprec_tiff *nprec_tiff_open(const char *path, char message[NPREC_MESSAGE_SIZE]) {
    pthread_once(&nprec_tiff_once, nprec_tiff_install);
    struct nprec_tiff *handle = calloc(1, sizeof *handle);
    if (handle == NULL) {
        snprintf(message, NPREC_MESSAGE_SIZE, "out of memory");
        return NULL;
    }
    handle->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (handle->fd < 0) {
        snprintf(message, NPREC_MESSAGE_SIZE, "%s", strerror(errno));
        free(handle);
        return NULL;
    }
    nprec_tiff_begin(handle);
#if NPREC_TIFF_HANDLE_HANDLERS
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (options == NULL) {
        close(handle->fd);
        free(handle);
        snprintf(message, NPREC_MESSAGE_SIZE, "out of memory");
        return NULL;
    }
    TIFFOpenOptionsSetErrorHandlerExtR(options, nprec_tiff_error, handle);
    TIFFOpenOptionsSetWarningHandlerExtR(options, nprec_tiff_warning, handle);
    /* The handlers are copied into the TIFF handle. */
    handle->tif = TIFFClientOpenExt(path, "r", handle, nprec_tiff_read_proc, nprec_tiff_write_proc,
                                    nprec_tiff_seek_proc, nprec_tiff_close_proc, nprec_tiff_size_proc,
                                    nprec_tiff_map_proc, nprec_tiff_unmap_proc, options);
    TIFFOpenOptionsFree(options);
#else
    handle->tif = TIFFClientOpen(path, "r", handle, nprec_tiff_read_proc, nprec_tiff_write_proc, nprec_tiff_seek_proc,
                                 nprec_tiff_close_proc, nprec_tiff_size_proc, nprec_tiff_map_proc,
                                 nprec_tiff_unmap_proc);
#endif
    handle->next_row = 0;
    handle->next_sample = 0;
    if (handle->tif == NULL) {
        snprintf(message, NPREC_MESSAGE_SIZE, "%s", handle->has_message ? handle->message : "cannot open the file");
        close(handle->fd);
        free(handle);
        return NULL;
    }
    return handle;
}

void nprec_tiff_close(nprec_tiff *tiff) {
    if (tiff == NULL) return;
    nprec_tiff_begin(tiff);
    TIFFClose(tiff->tif); /* unmaps the file */
    close(tiff->fd);
    free(tiff->scratch);
    free(tiff);
}

const char *nprec_tiff_message(const nprec_tiff *tiff) { return tiff->message; }

int nprec_tiff_read_layout(nprec_tiff *tiff, nprec_tiff_layout *layout) {
    TIFF *tif = tiff->tif;
    nprec_tiff_begin(tiff);
    memset(layout, 0, sizeof *layout);
    uint32_t width = 0, height = 0;
    uint16_t samples = 1, bits = 1, format = SAMPLEFORMAT_UINT, planar = PLANARCONFIG_CONTIG;
    uint16_t compression = COMPRESSION_NONE, photometric = PHOTOMETRIC_MINISBLACK;
    uint16_t subsampling_h = 1, subsampling_v = 1;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height)) {
        return nprec_tiff_fail(tiff, "no ImageWidth or ImageLength tag");
    }
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric)) {
        photometric = samples >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    }
    if (photometric == PHOTOMETRIC_YCBCR) {
        TIFFGetFieldDefaulted(tif, TIFFTAG_YCBCRSUBSAMPLING, &subsampling_h, &subsampling_v);
        if (compression == COMPRESSION_JPEG && TIFFIsCODECConfigured(COMPRESSION_JPEG)) {
            /* libjpeg upsamples and converts to RGB; rows and tiles are then full RGB pixels. */
            if (!TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB)) {
                return nprec_tiff_fail(tiff, "cannot decode YCbCr JPEG data to RGB");
            }
            subsampling_h = 1;
            subsampling_v = 1;
        }
    }
    layout->width = width;
    layout->height = height;
    layout->samples_per_pixel = samples;
    layout->bits_per_sample = bits;
    layout->sample_format = format;
    layout->planar_config = planar;
    layout->compression = compression;
    layout->photometric = photometric;
    layout->codec_configured = TIFFIsCODECConfigured(compression) ? 1 : 0;
    layout->subsampling_h = subsampling_h;
    layout->subsampling_v = subsampling_v;
    layout->tiled = TIFFIsTiled(tif) ? 1 : 0;
    if (layout->tiled) {
        uint32_t tile_width = 0, tile_length = 0;
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tile_width);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &tile_length);
        if (tile_width == 0 || tile_length == 0) return nprec_tiff_fail(tiff, "no TileWidth or TileLength tag");
        layout->tile_width = tile_width;
        layout->tile_length = tile_length;
        layout->tile_size = TIFFTileSize64(tif);
        if (layout->tile_size == 0) return nprec_tiff_fail(tiff, "cannot compute the size of a tile");
    } else {
        uint32_t rows_per_strip = height;
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
        layout->rows_per_strip = rows_per_strip;
    }
    if (width > 0 && height > 0) {
        layout->scanline_size = TIFFScanlineSize64(tif);
        if (layout->scanline_size == 0) return nprec_tiff_fail(tiff, "cannot compute the size of a row");
    }
    layout->file_size = (uint64_t)nprec_tiff_size_proc(tiff);
    layout->big_tiff = TIFFIsBigTIFF(tif) ? 1 : 0;
    layout->last_directory = TIFFLastDirectory(tif) ? 1 : 0;
    return 0;
}

int nprec_tiff_read_scanlines(nprec_tiff *tiff, uint8_t *rows, size_t row_size, uint32_t first, uint32_t count,
                              uint32_t sample) {
    TIFF *tif = tiff->tif;
    nprec_tiff_begin(tiff);
    if (TIFFIsTiled(tif)) return nprec_tiff_fail(tiff, "a tiled image has no scanlines");
    uint64_t scanline = TIFFScanlineSize64(tif);
    if ((uint64_t)row_size < scanline) return nprec_tiff_fail(tiff, "row buffer too small");
    if (count == 0) return 0;
    /* Most codecs cannot skip rows (libtiff's tif_seek): to start elsewhere than where the last
     * read stopped, decode from the start of the strip, or from that stop when it lies in the
     * same strip before `first`. */
    uint32_t from = first;
    if (first != tiff->next_row || sample != tiff->next_sample) {
        uint32_t rows_per_strip = 0;
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
        if (rows_per_strip == 0) return nprec_tiff_fail(tiff, "RowsPerStrip is 0");
        from = first - first % rows_per_strip;
        if (sample == tiff->next_sample && tiff->next_row != UINT32_MAX && tiff->next_row >= from &&
            tiff->next_row <= first) {
            from = tiff->next_row;
        }
        if (from < first && tiff->scratch == NULL) {
            tiff->scratch = malloc((size_t)scanline);
            if (tiff->scratch == NULL) return nprec_tiff_fail(tiff, "out of memory");
        }
    }
    tiff->next_row = UINT32_MAX;
    for (uint32_t row = from; row < first + count; row++) {
        uint8_t *target = row < first ? tiff->scratch : rows + (size_t)(row - first) * row_size;
        if (TIFFReadScanline(tif, target, row, (uint16_t)sample) < 0) {
            char fallback[64];
            snprintf(fallback, sizeof fallback, "cannot read row %u", row);
            return nprec_tiff_fail(tiff, fallback);
        }
    }
    tiff->next_row = first + count;
    tiff->next_sample = sample;
    return 0;
}

int nprec_tiff_read_tile(nprec_tiff *tiff, uint8_t *tile, size_t capacity, uint32_t x, uint32_t y, uint32_t sample) {
    TIFF *tif = tiff->tif;
    nprec_tiff_begin(tiff);
    if (!TIFFIsTiled(tif)) return nprec_tiff_fail(tiff, "a stripped image has no tiles");
    if (!TIFFCheckTile(tif, x, y, 0, (uint16_t)sample)) return nprec_tiff_fail(tiff, "no such tile");
    uint64_t size = TIFFTileSize64(tif);
    if ((uint64_t)capacity < size) return nprec_tiff_fail(tiff, "tile buffer too small");
    uint32_t index = TIFFComputeTile(tif, x, y, 0, (uint16_t)sample);
    if (TIFFReadEncodedTile(tif, index, tile, (tmsize_t)size) < 0) {
        char fallback[64];
        snprintf(fallback, sizeof fallback, "cannot read tile %u", index);
        return nprec_tiff_fail(tiff, fallback);
    }
    return 0;
}

int64_t nprec_tiff_directory_count(nprec_tiff *tiff) {
    nprec_tiff_begin(tiff);
    tdir_t count = TIFFNumberOfDirectories(tiff->tif);
    if (!TIFFSetDirectory(tiff->tif, 0)) return nprec_tiff_fail(tiff, "cannot read the first directory again");
    tiff->next_row = 0;
    tiff->next_sample = 0;
    return (int64_t)count;
}

int64_t nprec_tiff_directory_offsets(nprec_tiff *tiff, uint64_t *offsets, size_t capacity) {
    TIFF *tif = tiff->tif;
    nprec_tiff_begin(tiff);
    if (!TIFFSetDirectory(tif, 0)) return nprec_tiff_fail(tiff, "cannot read the first directory");
    size_t count = 0;
    while (count < capacity) {
        offsets[count++] = (uint64_t)TIFFCurrentDirOffset(tif);
        if (count == capacity || TIFFLastDirectory(tif)) break;
        if (!TIFFReadDirectory(tif)) {
            char fallback[64];
            snprintf(fallback, sizeof fallback, "cannot read directory %zu", count);
            return nprec_tiff_fail(tiff, fallback);
        }
    }
    if (!TIFFSetDirectory(tif, 0)) return nprec_tiff_fail(tiff, "cannot read the first directory again");
    tiff->next_row = 0;
    tiff->next_sample = 0;
    return (int64_t)count;
}

int nprec_tiff_set_directory(nprec_tiff *tiff, uint64_t offset) {
    nprec_tiff_begin(tiff);
    if (!TIFFSetSubDirectory(tiff->tif, offset)) return nprec_tiff_fail(tiff, "cannot read the directory");
    tiff->next_row = 0;
    tiff->next_sample = 0;
    return 0;
}

const char *nprec_tiff_description(nprec_tiff *tiff) {
    char *text = NULL;
    nprec_tiff_begin(tiff);
    if (!TIFFGetField(tiff->tif, TIFFTAG_IMAGEDESCRIPTION, &text)) return NULL;
    return text;
}

int nprec_tiff_resolution(nprec_tiff *tiff, double *x, double *y, uint32_t *unit) {
    float rx = 0, ry = 0;
    uint16_t resolution_unit = RESUNIT_INCH;
    nprec_tiff_begin(tiff);
    if (!TIFFGetField(tiff->tif, TIFFTAG_XRESOLUTION, &rx) || !TIFFGetField(tiff->tif, TIFFTAG_YRESOLUTION, &ry)) {
        return -1;
    }
    TIFFGetFieldDefaulted(tiff->tif, TIFFTAG_RESOLUTIONUNIT, &resolution_unit);
    *x = rx;
    *y = ry;
    *unit = resolution_unit;
    return 0;
}
