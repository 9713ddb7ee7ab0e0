/* setjmp-guarded libpng calls (the classic png.h API). libpng reports a fatal error through the
 * error callback, which must not return; here it longjmps (png_longjmp) back to the guard of the
 * calling shim function, which returns -1 with the message. Warnings are dropped. */

#include "cshims.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

/* PNG allows sides up to 2^31 - 1; libpng's default user limit is 1,000,000. */
#define NPREC_PNG_MAX_SIDE 0x7fffffffU

static int nprec_little_endian(void) {
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

struct nprec_png_message {
    char text[NPREC_MESSAGE_SIZE];
};

static void nprec_png_error(png_structp png, png_const_charp message) {
    struct nprec_png_message *target = png_get_error_ptr(png);
    if (target != NULL) snprintf(target->text, sizeof target->text, "%s", message);
    png_longjmp(png, 1);
}

static void nprec_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

/* ---- encoding ---- */

struct nprec_png_encoder {
    struct nprec_png_message message; /* first: it is the error pointer */
    uint8_t *buffer;
    size_t size;
    size_t capacity;
};

static void nprec_png_write(png_structp png, png_bytep bytes, png_size_t count) {
    struct nprec_png_encoder *encoder = png_get_io_ptr(png);
    if (count > SIZE_MAX - encoder->size) png_error(png, "output too large");
    if (encoder->size + count > encoder->capacity) {
        size_t capacity = encoder->capacity < 4096 ? 4096 : encoder->capacity;
        while (capacity < encoder->size + count) {
            if (capacity > SIZE_MAX / 2) png_error(png, "output too large");
            capacity *= 2;
        }
        uint8_t *grown = realloc(encoder->buffer, capacity);
        if (grown == NULL) png_error(png, "out of memory");
        encoder->buffer = grown;
        encoder->capacity = capacity;
    }
    memcpy(encoder->buffer + encoder->size, bytes, count);
    encoder->size += count;
}

static void nprec_png_flush(png_structp png) { (void)png; }

int nprec_png_encode(const uint8_t *samples, uint32_t width, uint32_t height, int channels, int bit_depth,
                     int compression_level, uint8_t **out, size_t *out_size, char message[NPREC_MESSAGE_SIZE]) {
    static const int color_types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                      PNG_COLOR_TYPE_RGB_ALPHA};
    *out = NULL;
    *out_size = 0;
    if (channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16)) {
        snprintf(message, NPREC_MESSAGE_SIZE, "unsupported PNG layout: %d channels of %d bits", channels,
                 bit_depth);
        return -1;
    }
    /* On the heap, so that nothing libpng changes lives in a local across the longjmp. */
    struct nprec_png_encoder *encoder = calloc(1, sizeof *encoder);
    if (encoder == NULL) {
        snprintf(message, NPREC_MESSAGE_SIZE, "out of memory");
        return -1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &encoder->message, nprec_png_error,
                                              nprec_png_warning);
    png_infop info = png == NULL ? NULL : png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        free(encoder);
        snprintf(message, NPREC_MESSAGE_SIZE, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        snprintf(message, NPREC_MESSAGE_SIZE, "%s", encoder->message.text);
        png_destroy_write_struct(&png, &info);
        free(encoder->buffer);
        free(encoder);
        return -1;
    }
    png_set_user_limits(png, NPREC_PNG_MAX_SIDE, NPREC_PNG_MAX_SIDE);
    png_set_write_fn(png, encoder, nprec_png_write, nprec_png_flush);
    png_set_IHDR(png, info, width, height, bit_depth, color_types[channels - 1], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, compression_level);
    png_write_info(png, info);
    if (bit_depth == 16 && nprec_little_endian()) png_set_swap(png);
    size_t stride = (size_t)width * (size_t)channels * (size_t)(bit_depth / 8);
    for (uint32_t y = 0; y < height; y++) png_write_row(png, samples + (size_t)y * stride);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    *out = encoder->buffer;
    *out_size = encoder->size;
    free(encoder);
    return 0;
}

/* ---- decoding ---- */

struct nprec_png_decoder {
    struct nprec_png_message message; /* first: it is the error pointer */
    png_structp png;
    png_infop info;
    const uint8_t *data; /* the bytes in memory, or NULL when reading `file` */
    FILE *file;
    size_t size; /* of the data or the file */
    size_t offset;
    int passes;
    size_t rowbytes;
    uint32_t height;
    uint32_t next_row; /* rows read by nprec_png_read_rows */
};

static void nprec_png_read(png_structp png, png_bytep bytes, png_size_t count) {
    nprec_png_decoder *decoder = png_get_io_ptr(png);
    if (decoder->file != NULL) {
        size_t got = fread(bytes, 1, count, decoder->file);
        if (got != count) png_error(png, ferror(decoder->file) ? "read error" : "PNG data is truncated");
        decoder->offset += count;
        return;
    }
    if (count > decoder->size - decoder->offset) png_error(png, "PNG data is truncated");
    memcpy(bytes, decoder->data + decoder->offset, count);
    decoder->offset += count;
}

static nprec_png_decoder *nprec_png_decoder_new(const uint8_t *data, size_t size, FILE *file) {
    nprec_png_decoder *decoder = calloc(1, sizeof *decoder);
    if (decoder == NULL) return NULL;
    decoder->data = data;
    decoder->file = file;
    decoder->size = size;
    decoder->png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, &decoder->message, nprec_png_error, nprec_png_warning);
    decoder->info = decoder->png == NULL ? NULL : png_create_info_struct(decoder->png);
    if (decoder->info == NULL) {
        png_destroy_read_struct(&decoder->png, NULL, NULL);
        free(decoder);
        return NULL;
    }
    png_set_user_limits(decoder->png, NPREC_PNG_MAX_SIDE, NPREC_PNG_MAX_SIDE);
    png_set_read_fn(decoder->png, decoder, nprec_png_read);
    return decoder;
}

nprec_png_decoder *nprec_png_decoder_create(const uint8_t *data, size_t size) {
    return nprec_png_decoder_new(data, size, NULL);
}

nprec_png_decoder *nprec_png_decoder_open(const char *path, char message[NPREC_MESSAGE_SIZE]) {
    FILE *file = fopen(path, "rb");
    long size = -1;
    if (file != NULL && fseek(file, 0, SEEK_END) == 0) size = ftell(file);
    if (file == NULL || size < 0 || fseek(file, 0, SEEK_SET) != 0) {
        snprintf(message, NPREC_MESSAGE_SIZE, "%s", strerror(errno));
        if (file != NULL) fclose(file);
        return NULL;
    }
    nprec_png_decoder *decoder = nprec_png_decoder_new(NULL, (size_t)size, file);
    if (decoder == NULL) {
        fclose(file);
        snprintf(message, NPREC_MESSAGE_SIZE, "out of memory");
    }
    return decoder;
}

void nprec_png_decoder_destroy(nprec_png_decoder *decoder) {
    if (decoder == NULL) return;
    png_destroy_read_struct(&decoder->png, &decoder->info, NULL);
    if (decoder->file != NULL) fclose(decoder->file);
    free(decoder);
}

const char *nprec_png_decoder_message(const nprec_png_decoder *decoder) { return decoder->message.text; }

int nprec_png_read_header(nprec_png_decoder *decoder, uint32_t *width, uint32_t *height, int *channels,
                          int *bit_depth) {
    png_structp png = decoder->png;
    png_infop info = decoder->info;
    if (setjmp(png_jmpbuf(png))) return -1;
    if (decoder->file != NULL) {
        png_byte signature[8];
        if (fread(signature, 1, 8, decoder->file) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
            png_error(png, "not a PNG file (bad signature)");
        }
        decoder->offset = 8;
        png_set_sig_bytes(png, 8);
    } else if (decoder->size < 8 || png_sig_cmp(decoder->data, 0, 8) != 0) {
        png_error(png, "not a PNG file (bad signature)");
    }
    png_read_info(png, info);
    int color_type = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
        if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    } else if (color_type == PNG_COLOR_TYPE_GRAY && depth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (depth == 16 && nprec_little_endian()) png_set_swap(png);
    decoder->passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    uint32_t w = png_get_image_width(png, info);
    uint32_t h = png_get_image_height(png, info);
    int c = png_get_channels(png, info);
    int d = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if ((d != 8 && d != 16) || c < 1 || c > 4 || rowbytes != (size_t)w * (size_t)c * (size_t)(d / 8)) {
        png_error(png, "unexpected PNG layout after expansion");
    }
    /* deflate expands at most 1032:1, and the expansions above at most 32:1 (1-bit palette to
     * RGBA), so a header claiming more is corrupt; refusing it here avoids a huge allocation. */
    if ((double)rowbytes * (double)h > 33024.0 * (double)decoder->size + 65536.0) {
        png_error(png, "PNG header claims more pixels than the data can hold");
    }
    decoder->rowbytes = rowbytes;
    decoder->height = h;
    *width = w;
    *height = h;
    *channels = c;
    *bit_depth = d;
    return 0;
}

int nprec_png_read_pixels(nprec_png_decoder *decoder, uint8_t *samples, size_t capacity) {
    png_structp png = decoder->png;
    if (setjmp(png_jmpbuf(png))) return -1;
    if (decoder->rowbytes * decoder->height > capacity) png_error(png, "output buffer too small");
    /* With interlacing each pass fills in the rows written by the previous ones. */
    for (int pass = 0; pass < decoder->passes; pass++) {
        for (uint32_t y = 0; y < decoder->height; y++) {
            png_read_row(png, samples + (size_t)y * decoder->rowbytes, NULL);
        }
    }
    png_read_end(png, NULL);
    return 0;
}

int nprec_png_decoder_interlaced(const nprec_png_decoder *decoder) { return decoder->passes > 1; }

int nprec_png_read_rows(nprec_png_decoder *decoder, uint8_t *samples, size_t capacity, uint32_t count) {
    png_structp png = decoder->png;
    if (setjmp(png_jmpbuf(png))) return -1;
    if (decoder->passes > 1) png_error(png, "an interlaced PNG cannot be read row by row");
    if (count > decoder->height - decoder->next_row) png_error(png, "read past the last row");
    if (decoder->rowbytes * count > capacity) png_error(png, "output buffer too small");
    for (uint32_t i = 0; i < count; i++) {
        png_read_row(png, samples + (size_t)i * decoder->rowbytes, NULL);
        decoder->next_row++;
    }
    if (count > 0 && decoder->next_row == decoder->height) png_read_end(png, NULL);
    return 0;
}
