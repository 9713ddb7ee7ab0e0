/* setjmp-guarded libjpeg calls. libjpeg reports a fatal error through error_exit, which by
 * default prints and calls exit(); here it longjmps back to the guard of the calling shim
 * function, which returns -1 with the formatted message. */

#include "cshims.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

struct nprec_jpeg_error {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

static void nprec_jpeg_error_exit(j_common_ptr cinfo) {
    struct nprec_jpeg_error *error = (struct nprec_jpeg_error *)cinfo->err;
    error->manager.format_message(cinfo, error->message);
    longjmp(error->jump, 1);
}

/* Warnings (level -1) about corrupt data, such as a premature end of file or a bad Huffman code,
 * are errors: libjpeg would otherwise fill the rest of the image with grey. Only warnings about
 * metadata that does not change the pixels are let through. Trace messages are dropped. */
static void nprec_jpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;
    int code = cinfo->err->msg_code;
    if (code == JWRN_ADOBE_XFORM || code == JWRN_JFIF_MAJOR || code == JWRN_BOGUS_ICC) {
        cinfo->err->num_warnings++;
        return;
    }
    nprec_jpeg_error_exit(cinfo);
}

static void nprec_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void nprec_jpeg_install(struct nprec_jpeg_error *error) {
    jpeg_std_error(&error->manager);
    error->manager.error_exit = nprec_jpeg_error_exit;
    error->manager.emit_message = nprec_jpeg_emit_message;
    error->manager.output_message = nprec_jpeg_output_message;
    error->message[0] = 0;
}

static void nprec_copy_message(char *to, const char *from) {
    snprintf(to, NPREC_MESSAGE_SIZE, "%s", from);
}

void nprec_free(void *pointer) { free(pointer); }

long nprec_jpeg_max_dimension(void) { return JPEG_MAX_DIMENSION; }

/* ---- encoding ---- */

struct nprec_jpeg_encoder {
    struct jpeg_compress_struct cinfo;
    struct nprec_jpeg_error error;
    unsigned char *buffer;
    unsigned long size;
};

int nprec_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int components, int quality,
                      int progressive, int optimize_huffman, uint8_t **out, size_t *out_size,
                      char message[NPREC_MESSAGE_SIZE]) {
    *out = NULL;
    *out_size = 0;
    if (components != 1 && components != 3) {
        nprec_copy_message(message, "JPEG needs 1 or 3 components");
        return -1;
    }
    /* On the heap, so that nothing libjpeg changes lives in a local across the longjmp. */
    struct nprec_jpeg_encoder *encoder = calloc(1, sizeof *encoder);
    if (encoder == NULL) {
        nprec_copy_message(message, "out of memory");
        return -1;
    }
    nprec_jpeg_install(&encoder->error);
    encoder->cinfo.err = &encoder->error.manager;
    if (setjmp(encoder->error.jump)) {
        nprec_copy_message(message, encoder->error.message);
        jpeg_destroy_compress(&encoder->cinfo);
        free(encoder->buffer);
        free(encoder);
        return -1;
    }
    jpeg_create_compress(&encoder->cinfo);
    jpeg_mem_dest(&encoder->cinfo, &encoder->buffer, &encoder->size);
    struct jpeg_compress_struct *cinfo = &encoder->cinfo;
    cinfo->image_width = width;
    cinfo->image_height = height;
    cinfo->input_components = components;
    cinfo->in_color_space = components == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(cinfo); /* RGB input is stored as YCbCr (JFIF) */
    jpeg_set_quality(cinfo, quality, TRUE);
    for (int i = 0; i < cinfo->num_components; i++) {
        cinfo->comp_info[i].h_samp_factor = 1; /* 4:4:4, no chroma subsampling */
        cinfo->comp_info[i].v_samp_factor = 1;
    }
    if (progressive) jpeg_simple_progression(cinfo);
    cinfo->optimize_coding = optimize_huffman ? TRUE : FALSE;
    jpeg_start_compress(cinfo, TRUE);
    size_t stride = (size_t)width * (size_t)components;
    while (cinfo->next_scanline < cinfo->image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo->next_scanline * stride);
        jpeg_write_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_compress(cinfo);
    jpeg_destroy_compress(cinfo);
    *out = encoder->buffer;
    *out_size = encoder->size;
    free(encoder);
    return 0;
}

/* ---- decoding ---- */

struct nprec_jpeg_decoder {
    struct jpeg_decompress_struct cinfo;
    struct nprec_jpeg_error error;
    const uint8_t *data; /* the bytes in memory, or NULL when reading `file` */
    FILE *file;
    size_t size; /* of the data or the file */
    int created;
    int started; /* jpeg_start_decompress was called by nprec_jpeg_read_rows */
};

static nprec_jpeg_decoder *nprec_jpeg_decoder_new(const uint8_t *data, size_t size, FILE *file) {
    nprec_jpeg_decoder *decoder = calloc(1, sizeof *decoder);
    if (decoder == NULL) return NULL;
    decoder->data = data;
    decoder->file = file;
    decoder->size = size;
    nprec_jpeg_install(&decoder->error);
    decoder->cinfo.err = &decoder->error.manager;
    if (setjmp(decoder->error.jump)) {
        free(decoder);
        return NULL;
    }
    jpeg_create_decompress(&decoder->cinfo);
    decoder->created = 1;
    return decoder;
}

nprec_jpeg_decoder *nprec_jpeg_decoder_create(const uint8_t *data, size_t size) {
    return nprec_jpeg_decoder_new(data, size, NULL);
}

nprec_jpeg_decoder *nprec_jpeg_decoder_open(const char *path, char message[NPREC_MESSAGE_SIZE]) {
    FILE *file = fopen(path, "rb");
    long size = -1;
    if (file != NULL && fseek(file, 0, SEEK_END) == 0) size = ftell(file);
    if (file == NULL || size < 0 || fseek(file, 0, SEEK_SET) != 0) {
        nprec_copy_message(message, strerror(errno));
        if (file != NULL) fclose(file);
        return NULL;
    }
    nprec_jpeg_decoder *decoder = nprec_jpeg_decoder_new(NULL, (size_t)size, file);
    if (decoder == NULL) {
        fclose(file);
        nprec_copy_message(message, "out of memory");
    }
    return decoder;
}

void nprec_jpeg_decoder_destroy(nprec_jpeg_decoder *decoder) {
    if (decoder == NULL) return;
    if (decoder->created) jpeg_destroy_decompress(&decoder->cinfo);
    if (decoder->file != NULL) fclose(decoder->file);
    free(decoder);
}

const char *nprec_jpeg_decoder_message(const nprec_jpeg_decoder *decoder) { return decoder->error.message; }

int nprec_jpeg_read_header(nprec_jpeg_decoder *decoder, uint32_t *width, uint32_t *height, int *components) {
    if (setjmp(decoder->error.jump)) return -1;
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    if (decoder->size == 0 || decoder->size > ULONG_MAX) {
        nprec_copy_message(decoder->error.message, decoder->size == 0 ? "empty input" : "input too large");
        return -1;
    }
    if (decoder->file != NULL) {
        jpeg_stdio_src(cinfo, decoder->file);
    } else {
        jpeg_mem_src(cinfo, decoder->data, (unsigned long)decoder->size);
    }
    jpeg_read_header(cinfo, TRUE);
    jpeg_calc_output_dimensions(cinfo);
    /* With Huffman coding every 8x8 block of the full-resolution component costs at least one
     * bit, so a header that claims more pixels than the data can hold is corrupt (or the file is
     * truncated); refusing it here avoids allocating for a size that the data cannot fill. */
    double pixels = (double)cinfo->output_width * (double)cinfo->output_height * cinfo->output_components;
    if (!cinfo->arith_code && pixels > 2048.0 * (double)decoder->size + 65536.0) {
        snprintf(decoder->error.message, sizeof decoder->error.message,
                 "%u x %u image in only %zu bytes: corrupt or truncated", cinfo->output_width,
                 cinfo->output_height, decoder->size);
        return -1;
    }
    *width = cinfo->output_width;
    *height = cinfo->output_height;
    *components = cinfo->output_components;
    return 0;
}

int nprec_jpeg_read_pixels(nprec_jpeg_decoder *decoder, uint8_t *pixels, size_t capacity) {
    if (setjmp(decoder->error.jump)) return -1;
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    jpeg_start_decompress(cinfo);
    size_t stride = (size_t)cinfo->output_width * (size_t)cinfo->output_components;
    if (stride * cinfo->output_height > capacity) {
        nprec_copy_message(decoder->error.message, "output buffer too small");
        return -1;
    }
    while (cinfo->output_scanline < cinfo->output_height) {
        JSAMPROW row = pixels + (size_t)cinfo->output_scanline * stride;
        jpeg_read_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_decompress(cinfo);
    return 0;
}

int nprec_jpeg_read_rows(nprec_jpeg_decoder *decoder, uint8_t *pixels, size_t capacity, uint32_t count) {
    if (setjmp(decoder->error.jump)) return -1;
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    if (!decoder->started) {
        jpeg_start_decompress(cinfo);
        decoder->started = 1;
    }
    size_t stride = (size_t)cinfo->output_width * (size_t)cinfo->output_components;
    if (count > cinfo->output_height - cinfo->output_scanline) {
        nprec_copy_message(decoder->error.message, "read past the last row");
        return -1;
    }
    if (stride * count > capacity) {
        nprec_copy_message(decoder->error.message, "output buffer too small");
        return -1;
    }
    JDIMENSION end = cinfo->output_scanline + count;
    while (cinfo->output_scanline < end) {
        JSAMPROW row = pixels + (size_t)(count - (end - cinfo->output_scanline)) * stride;
        if (jpeg_read_scanlines(cinfo, &row, 1) != 1) {
            nprec_copy_message(decoder->error.message, "no scanline was decoded");
            return -1;
        }
    }
    if (count > 0 && cinfo->output_scanline == cinfo->output_height) jpeg_finish_decompress(cinfo);
    return 0;
}
