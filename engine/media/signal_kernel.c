/* engine.media._signal_kernel: an 8-bit export's colour table applied in one pass (apply), the
 * encoder's 8-bit planes made from what it gives (planes), and both at once, row by row, so that the
 * table's floats never leave the cache (frame: what an export uses).
 *
 * engine/media/signal_lut.py bakes an 8-bit export's grade, output transform and Y'CbCr matrix into a
 * 3D table over fourth-root-shaped scene-linear input. OpenColorIO applies such a table well, but an
 * export then pays for the shaper (two OpenCV square-root passes), OpenColorIO's copy of every pixel
 * into its RGBA buffer and back out to planes, and the tetrahedral interpolation, each a pass over the
 * frame. apply() does all of it in one pass over runs of CHUNK pixels, with the arithmetic OpenColorIO's
 * tetrahedral interpolation does, in the same order, so the planes it writes are the same floats
 * (tests/engine/test_signal_kernel.py compares them bit for bit):
 *   1. shaper, cell and tetrahedron of each pixel: plain C the compiler turns into vector code;
 *   2. the four corners of each pixel's tetrahedron, weighted: one 4-float load per corner (the
 *      table is padded from 3 to 4 floats a node for that), four pixels' results turned into four
 *      values of each of the three planes; on AVX2 CPUs eight, two pixels a register (the same
 *      products and sums, so the same bits; ~13% less CPU for the whole kernel on an AVX2 EPYC).
 *
 * frame() also returns the lowest and highest value it read (NaN if it read one), so that an export
 * learns a frame's range, which picks its table, without a pass of its own over the frame.
 *
 * Built by setup.py when a C compiler is there; without it, signal_lut.py takes OpenColorIO's path
 * and ycbcr.py numpy's, to the same bits. setup.py compiles with -ffp-contract=off: a fused
 * multiply-add would change the bits on some CPUs and not on others, and an export must give the same
 * bits on every machine.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

/* Pass 1 is built for AVX2 CPUs and for any x86-64 where GCC can (BOTH_ISAS): square roots and
 * comparisons 8 pixels at a time where the CPU has them, to the same bits. */
#include "kernel_isa.h"

#define CHUNK 512 /* pixels a run: their cells (14 KiB) stay in the L1 cache between the passes */

/* 0..1; NaN (the square root of a negative: rounding noise of resampling) to 0, as OpenColorIO reads it */
static inline float unit(float v)
{
    v = v >= 0.f ? v : 0.f;
    return v <= 1.f ? v : 1.f;
}

typedef struct {
    int corner0[CHUNK], corner1[CHUNK], corner2[CHUNK]; /* the tetrahedron's first three nodes (floats) */
    float weight[4][CHUNK];
} Cells;

/* Pass 1: each pixel's cell and tetrahedron. Written without branches (selects, not if/else) so that
 * it vectorises. The ordering of the fractions ties red before green before blue, as any tie gives the
 * same value; the largest fraction's axis is stepped first, then the middle one's, then the last. */
BOTH_ISAS
static void cells_of(const float *restrict rgb, int count, float scale, int size, Cells *restrict cells)
{
    const float top = (float)(size - 1);
    const int step_b = 4, step_g = 4 * size, step_r = 4 * size * size, last = size - 2;
    for (int p = 0; p < count; p++) {
        float r = unit(sqrtf(sqrtf(rgb[3 * p])) * scale) * top;
        float g = unit(sqrtf(sqrtf(rgb[3 * p + 1])) * scale) * top;
        float b = unit(sqrtf(sqrtf(rgb[3 * p + 2])) * scale) * top;
        int ir = (int)r, ig = (int)g, ib = (int)b;
        ir = ir < last ? ir : last;  /* a value of exactly 1 is the far end of the last cell */
        ig = ig < last ? ig : last;
        ib = ib < last ? ib : last;
        float fr = r - (float)ir, fg = g - (float)ig, fb = b - (float)ib;
        int r_over_g = fr >= fg, g_over_b = fg >= fb, r_over_b = fr >= fb;
        int rank_r = (1 - r_over_g) + (1 - r_over_b), rank_g = r_over_g + (1 - g_over_b);
        int rank_b = r_over_b + g_over_b;
        int step_first = step_r * (rank_r == 0) + step_g * (rank_g == 0) + step_b * (rank_b == 0);
        int step_last = step_r * (rank_r == 2) + step_g * (rank_g == 2) + step_b * (rank_b == 2);
        float high = fr > fg ? fr : fg, low = fr > fg ? fg : fr;
        float largest = high > fb ? high : fb, smallest = low < fb ? low : fb;
        float high_b = high < fb ? high : fb, middle = low > high_b ? low : high_b;
        int origin = ir * step_r + ig * step_g + ib * step_b;
        cells->corner0[p] = origin;
        cells->corner1[p] = origin + step_first;
        cells->corner2[p] = origin + step_r + step_g + step_b - step_last;
        cells->weight[0][p] = 1.f - largest;
        cells->weight[1][p] = largest - middle;
        cells->weight[2][p] = middle - smallest;
        cells->weight[3][p] = smallest;
    }
}

/* Pass 2: the weighted corners of each pixel, all channels at once, out to the three planes. */
#ifdef HAVE_SSE2
static inline __m128 corners(const Cells *restrict cells, int p, const float *restrict table, int far)
{
    const float *c0 = table + cells->corner0[p];
    __m128 sum = _mm_mul_ps(_mm_set1_ps(cells->weight[0][p]), _mm_loadu_ps(c0));
    sum = _mm_add_ps(sum, _mm_mul_ps(_mm_set1_ps(cells->weight[1][p]), _mm_loadu_ps(table + cells->corner1[p])));
    sum = _mm_add_ps(sum, _mm_mul_ps(_mm_set1_ps(cells->weight[2][p]), _mm_loadu_ps(table + cells->corner2[p])));
    return _mm_add_ps(sum, _mm_mul_ps(_mm_set1_ps(cells->weight[3][p]), _mm_loadu_ps(c0 + far)));
}
#endif

#ifdef AVX2_PATH
static int use_avx2; /* set at import: cpu_has_avx2(), unless avx2(False) turned it off (tests) */

/* (pixel p + 4 + j's corner, pixel p + j's corner) times their weights; j must be a constant (an
 * immediate): vpermilps broadcasts weight j within each half. */
#define TERM(w, corner, offset, j) \
    _mm256_mul_ps(_mm256_permute_ps(w, (j) * 0x55), corner_pair(cells->corner, p, j, offset, table))
/* The two pixels' weighted corners, summed in corners()'s order. */
#define WEIGHTED_PAIR(j)                                                                                  \
    _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(TERM(w0, corner0, 0, j), TERM(w1, corner1, 0, j)),          \
                                TERM(w2, corner2, 0, j)),                                                 \
                  TERM(w3, corner0, far, j))

AVX2_FUNCTION
static inline __m256 corner_pair(const int *corner, int p, int j, int offset, const float *table)
{
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(table + corner[p + j] + offset)),
                                _mm_loadu_ps(table + corner[p + 4 + j] + offset), 1);
}

/* interpolate()'s loop, 8 pixels at a time on AVX2 CPUs: pixel p + j in the low half of a register and
 * p + 4 + j in the high half, so that each half holds what corners() computes, by the same products
 * and sums in the same order (the same bits), and the in-half transpose gives 8 values a plane.
 * Returns how many pixels it did. */
AVX2_FUNCTION
static int interpolate_avx2(const Cells *restrict cells, int count, const float *restrict table, int far,
                            float *restrict plane0, float *restrict plane1, float *restrict plane2)
{
    int p = 0;
    for (; p + 8 <= count; p += 8) {
        __m256 w0 = _mm256_loadu_ps(cells->weight[0] + p), w1 = _mm256_loadu_ps(cells->weight[1] + p);
        __m256 w2 = _mm256_loadu_ps(cells->weight[2] + p), w3 = _mm256_loadu_ps(cells->weight[3] + p);
        __m256 a = WEIGHTED_PAIR(0), b = WEIGHTED_PAIR(1), c = WEIGHTED_PAIR(2), d = WEIGHTED_PAIR(3);
        __m256 ab_low = _mm256_unpacklo_ps(a, b), ab_high = _mm256_unpackhi_ps(a, b);
        __m256 cd_low = _mm256_unpacklo_ps(c, d), cd_high = _mm256_unpackhi_ps(c, d);
        _mm256_storeu_ps(plane0 + p, _mm256_shuffle_ps(ab_low, cd_low, 0x44));
        _mm256_storeu_ps(plane1 + p, _mm256_shuffle_ps(ab_low, cd_low, 0xEE));
        _mm256_storeu_ps(plane2 + p, _mm256_shuffle_ps(ab_high, cd_high, 0x44));
    }
    return p;
}
#endif

static void interpolate(const Cells *restrict cells, int count, const float *restrict table, int size,
                        float *restrict plane0, float *restrict plane1, float *restrict plane2)
{
    const int far = 4 * (size * size + size + 1); /* node (1, 1, 1) from node (0, 0, 0) */
    int p = 0;
#ifdef AVX2_PATH
    if (use_avx2)
        p = interpolate_avx2(cells, count, table, far, plane0, plane1, plane2);
#endif
#ifdef HAVE_SSE2
    for (; p + 4 <= count; p += 4) { /* four pixels' [Y' Cb Cr -] turned into four values of each plane */
        __m128 a = corners(cells, p, table, far), b = corners(cells, p + 1, table, far);
        __m128 c = corners(cells, p + 2, table, far), d = corners(cells, p + 3, table, far);
        _MM_TRANSPOSE4_PS(a, b, c, d);
        _mm_storeu_ps(plane0 + p, a);
        _mm_storeu_ps(plane1 + p, b);
        _mm_storeu_ps(plane2 + p, c);
    }
#endif
    for (; p < count; p++) {
        const float *c0 = table + cells->corner0[p], *c1 = table + cells->corner1[p];
        const float *c2 = table + cells->corner2[p], *c3 = c0 + far;
        float *planes[3] = {plane0, plane1, plane2};
        for (int c = 0; c < 3; c++) /* the products and sums in the order the vector code takes them */
            planes[c][p] = ((cells->weight[0][p] * c0[c] + cells->weight[1][p] * c1[c])
                            + cells->weight[2][p] * c2[c]) + cells->weight[3][p] * c3[c];
    }
}

/* The lowest and highest value a frame holds, and whether it holds a NaN: what the export picks a
 * table by (engine/media/value_range.py gives the same), measured while each run of pixels is in the
 * L1 cache for pass 1 instead of in a pass of its own over the frame. */
typedef struct {
    float low, high;
    int nan;
} Range;

static void widen(Range *range, const float *values, int count)
{
    int i = 0;
#ifdef HAVE_SSE2
    /* Two running minima, maxima and NaN flags, each over every other 4 floats: a min waits for the
     * one before it (~3 cycles), so one chain alone kept this loop at a third of the loads' pace. */
    __m128 low = _mm_set1_ps(range->low), high = _mm_set1_ps(range->high), nan = _mm_setzero_ps();
    __m128 low2 = low, high2 = high, nan2 = nan;
    for (; i + 8 <= count; i += 8) {
        /* The next run's pixels, asked for now: this loop reads each run first, from memory (a frame
         * is 11 MB at 720p), and waited on those reads (~9 % of the kernel's CPU). A prefetch past the
         * frame's end is harmless: it never faults. */
        _mm_prefetch((const char *)(values + i + 3 * CHUNK), _MM_HINT_T0);
        __m128 v = _mm_loadu_ps(values + i), w = _mm_loadu_ps(values + i + 4);
        nan = _mm_or_ps(nan, _mm_cmpunord_ps(v, v));
        nan2 = _mm_or_ps(nan2, _mm_cmpunord_ps(w, w));
        low = _mm_min_ps(v, low); /* a NaN in v gives back the second operand: NaNs only set `nan` */
        low2 = _mm_min_ps(w, low2);
        high = _mm_max_ps(v, high);
        high2 = _mm_max_ps(w, high2);
    }
    for (; i + 4 <= count; i += 4) {
        __m128 v = _mm_loadu_ps(values + i);
        nan = _mm_or_ps(nan, _mm_cmpunord_ps(v, v));
        low = _mm_min_ps(v, low);
        high = _mm_max_ps(v, high);
    }
    low = _mm_min_ps(low2, low); /* neither holds a NaN */
    high = _mm_max_ps(high2, high);
    nan = _mm_or_ps(nan, nan2);
    float lows[4], highs[4];
    _mm_storeu_ps(lows, low);
    _mm_storeu_ps(highs, high);
    for (int k = 0; k < 4; k++) {
        range->low = lows[k] < range->low ? lows[k] : range->low;
        range->high = highs[k] > range->high ? highs[k] : range->high;
    }
    range->nan |= _mm_movemask_ps(nan) != 0;
#endif
    for (; i < count; i++) {
        float v = values[i];
        if (v != v)
            range->nan = 1;
        else {
            range->low = v < range->low ? v : range->low;
            range->high = v > range->high ? v : range->high;
        }
    }
}

/* `range`, where not NULL, is widened by every value read. */
static void apply_table(const float *rgb, Py_ssize_t pixels, float scale, const float *table, int size,
                        float *plane0, float *plane1, float *plane2, Range *range)
{
    Cells cells;
    for (Py_ssize_t start = 0; start < pixels; start += CHUNK) {
        int count = pixels - start < CHUNK ? (int)(pixels - start) : CHUNK;
        if (range != NULL)
            widen(range, rgb + 3 * start, 3 * count);
        cells_of(rgb + 3 * start, count, scale, size, &cells);
        interpolate(&cells, count, table, size, plane0 + start, plane1 + start, plane2 + start);
    }
}

/* ---- the encoder's 8-bit planes from the table's floats (engine/media/ycbcr.py says the filter) ---- */

#define ONE_CODE (1.0f / 257.0f) /* the planes' floats are 257 x the 8-bit code */

/* A code: the value's scale clamped to 0..255, then rounded to nearest, ties to even (numpy's rint). */
static inline uint8_t code_of(float value)
{
    float code = value * ONE_CODE;
    code = code >= 0.f ? code : 0.f;
    return (uint8_t)rintf(code <= 255.f ? code : 255.f);
}

/* A chroma sample of 4:2:0: rows 2i-1, 2i, 2i+1, 2i+2 weighted 1 3 3 1, each row's pair summed. */
static inline float filtered(float above, float top, float bottom, float below)
{
    return (above + below + 3.0f * (top + bottom)) * 0.0625f;
}

#ifdef HAVE_SSE2
/* 16 codes from 16 floats, as code_of() gives them: the conversion rounds as the CPU's rounding mode
 * says, which is to nearest, ties to even, unless a program changed it (numpy and Python do not). */
static inline __m128i codes16(__m128 a, __m128 b, __m128 c, __m128 d)
{
    const __m128 scale = _mm_set1_ps(ONE_CODE), zero = _mm_setzero_ps(), top = _mm_set1_ps(255.f);
#define CLAMPED(v) _mm_cvtps_epi32(_mm_min_ps(_mm_max_ps(_mm_mul_ps(v, scale), zero), top))
    __m128i low = _mm_packs_epi32(CLAMPED(a), CLAMPED(b)), high = _mm_packs_epi32(CLAMPED(c), CLAMPED(d));
#undef CLAMPED
    return _mm_packus_epi16(low, high);
}

/* Four sums of neighbouring pairs: row[0]+row[1], row[2]+row[3], ... row[6]+row[7]. */
static inline __m128 pair_sums(const float *row)
{
    __m128 first = _mm_loadu_ps(row), second = _mm_loadu_ps(row + 4);
    return _mm_add_ps(_mm_shuffle_ps(first, second, _MM_SHUFFLE(2, 0, 2, 0)),
                      _mm_shuffle_ps(first, second, _MM_SHUFFLE(3, 1, 3, 1)));
}

static inline __m128 filtered4(const float *above, const float *top, const float *bottom, const float *below)
{
    __m128 outer = _mm_add_ps(pair_sums(above), pair_sums(below));
    __m128 inner = _mm_add_ps(pair_sums(top), pair_sums(bottom));
    return _mm_mul_ps(_mm_add_ps(outer, _mm_mul_ps(_mm_set1_ps(3.0f), inner)), _mm_set1_ps(0.0625f));
}
#endif

static void luma_row(const float *restrict row, int width, uint8_t *restrict out)
{
    int x = 0;
#ifdef HAVE_SSE2
    for (; x + 16 <= width; x += 16)
        _mm_storeu_si128((__m128i *)(out + x), codes16(_mm_loadu_ps(row + x), _mm_loadu_ps(row + x + 4),
                                                       _mm_loadu_ps(row + x + 8), _mm_loadu_ps(row + x + 12)));
#endif
    for (; x < width; x++)
        out[x] = code_of(row[x]);
}

static void chroma_row_420(const float *above, const float *top, const float *bottom, const float *below,
                           int out_width, uint8_t *restrict out)
{
    int j = 0;
#ifdef HAVE_SSE2
    for (; j + 16 <= out_width; j += 16) {
        int x = 2 * j;
        _mm_storeu_si128((__m128i *)(out + j),
                         codes16(filtered4(above + x, top + x, bottom + x, below + x),
                                 filtered4(above + x + 8, top + x + 8, bottom + x + 8, below + x + 8),
                                 filtered4(above + x + 16, top + x + 16, bottom + x + 16, below + x + 16),
                                 filtered4(above + x + 24, top + x + 24, bottom + x + 24, below + x + 24)));
    }
#endif
    for (; j < out_width; j++) {
        int x = 2 * j;
        out[j] = code_of(filtered(above[x] + above[x + 1], top[x] + top[x + 1], bottom[x] + bottom[x + 1],
                                  below[x] + below[x + 1]));
    }
}

static void luma_rows(const float *plane, int height, int width, uint8_t *out, Py_ssize_t stride)
{
    for (int r = 0; r < height; r++)
        luma_row(plane + (Py_ssize_t)r * width, width, out + r * stride);
}

/* One row of a chroma plane from the rows of Cb or Cr it stands for: `top` (and for 4:2:0 `bottom`,
 * with the rows `above` and `below` them, the edges repeated). The same single operations, in the same
 * order, as ycbcr.py's numpy. */
static void chroma_row(const float *above, const float *top, const float *bottom, const float *below, int width,
                       int step_x, int step_y, uint8_t *restrict out)
{
    if (step_y == 2) {
        chroma_row_420(above, top, bottom, below, width / 2, out);
    } else if (step_x == 2) {
        for (int j = 0; j < width / 2; j++)
            out[j] = code_of((top[2 * j] + top[2 * j + 1]) * 0.5f);
    } else {
        luma_row(top, width, out);
    }
}

static void chroma_rows(const float *plane, int height, int width, int step_x, int step_y, uint8_t *out,
                        Py_ssize_t stride)
{
    for (int i = 0; i < height / step_y; i++) {
        const float *top = plane + (Py_ssize_t)(step_y * i) * width;
        const float *bottom = step_y == 2 ? top + width : top;
        const float *above = i > 0 && step_y == 2 ? top - width : top;
        const float *below = step_y == 2 && 2 * i + 2 < height ? bottom + width : bottom;
        chroma_row(above, top, bottom, below, width, step_x, step_y, out + i * stride);
    }
}

/* ---- both at once: the table's floats never leave the cache ---- */

/* Rows go through the table as the chroma rows need them. Each row's luma is rounded at once; its Cb
 * and Cr wait in rings of four rows, the most a 4:2:0 chroma row is filtered from. `rows` holds
 * 9 x width floats: a luma row and the two rings. */
static void table_frame(const float *rgb, int height, int width, float scale, const float *table, int size,
                        int step_x, int step_y, uint8_t *const out[3], const Py_ssize_t stride[3], float *rows,
                        Range *range)
{
    float *luma = rows, *rings[2] = {rows + width, rows + 5 * width};
    int made = 0; /* rows through the table so far */
    for (int i = 0; i < height / step_y; i++) {
        int last_needed = step_y == 2 ? (2 * i + 2 < height ? 2 * i + 2 : height - 1) : i;
        for (; made <= last_needed; made++) {
            apply_table(rgb + (Py_ssize_t)made * width * 3, width, scale, table, size, luma,
                        rings[0] + (made & 3) * width, rings[1] + (made & 3) * width, range);
            luma_row(luma, width, out[0] + made * stride[0]);
        }
        int r_top = step_y * i, r_bottom = step_y == 2 ? r_top + 1 : r_top;
        int r_above = step_y == 2 && i > 0 ? r_top - 1 : r_top, r_below = last_needed;
        for (int c = 0; c < 2; c++) {
            const float *ring = rings[c];
            chroma_row(ring + (r_above & 3) * width, ring + (r_top & 3) * width, ring + (r_bottom & 3) * width,
                       ring + (r_below & 3) * width, width, step_x, step_y, out[c + 1] + i * stride[c + 1]);
        }
    }
}

static int float_buffer(PyObject *object, Py_buffer *view, int writable, const char *name)
{
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    if (view->itemsize != 4 || view->format == NULL || strcmp(view->format, "f") != 0) {
        PyErr_Format(PyExc_TypeError, "%s must be C-contiguous float32", name);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(apply_doc,
"apply(rgb, scale, table, size, plane0, plane1, plane2)\n\n"
"rgb: N x 3 float32 scene-linear pixels; table: size^3 x 4 float32 nodes, red slowest, the 4th float\n"
"of each node padding; the three planes (N float32 each) get the table's three channels at the\n"
"pixels' fourth roots times `scale`. Runs without the GIL.");

static PyObject *apply(PyObject *self, PyObject *args)
{
    PyObject *objects[5];
    float scale;
    int size;
    Py_buffer views[5];
    const char *names[5] = {"rgb", "table", "plane0", "plane1", "plane2"};
    if (!PyArg_ParseTuple(args, "OfOiOOO", &objects[0], &scale, &objects[1], &size, &objects[2],
                          &objects[3], &objects[4]))
        return NULL;
    int held = 0;
    for (; held < 5; held++)
        if (float_buffer(objects[held], &views[held], held >= 2, names[held]) < 0)
            break;
    PyObject *result = NULL;
    if (held == 5) {
        Py_ssize_t pixels = views[0].len / 12;
        Py_ssize_t nodes = (Py_ssize_t)size * size * size;
        if (size < 2 || views[0].len % 12 != 0 || views[1].len != nodes * 16)
            PyErr_SetString(PyExc_ValueError, "rgb must be N x 3 and table size^3 x 4 (size >= 2)");
        else if (views[2].len != pixels * 4 || views[3].len != pixels * 4 || views[4].len != pixels * 4)
            PyErr_SetString(PyExc_ValueError, "each plane must hold one float32 a pixel of rgb");
        else {
            Py_BEGIN_ALLOW_THREADS
            apply_table((const float *)views[0].buf, pixels, scale, (const float *)views[1].buf, size,
                        (float *)views[2].buf, (float *)views[3].buf, (float *)views[4].buf, NULL);
            Py_END_ALLOW_THREADS
            result = Py_NewRef(Py_None);
        }
    }
    while (held-- > 0)
        PyBuffer_Release(&views[held]);
    return result;
}

/* A writable 2-D uint8 buffer whose rows may be padded (a PyAV plane's visible pixels). */
static int plane_buffer(PyObject *object, Py_buffer *view, int height, int width)
{
    if (PyObject_GetBuffer(object, view, PyBUF_STRIDES | PyBUF_FORMAT | PyBUF_WRITABLE) < 0)
        return -1;
    if (view->ndim != 2 || view->itemsize != 1 || view->format == NULL || strcmp(view->format, "B") != 0
        || view->shape[0] != height || view->shape[1] != width || view->strides[1] != 1 || view->strides[0] < width) {
        PyErr_Format(PyExc_ValueError, "an output plane must be %d x %d uint8 with whole rows", height, width);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* The shape of a C-contiguous buffer: its dimensions into `shape` (up to 3); -1 with an error set. */
static int shape_of(PyObject *object, int ndim, Py_ssize_t shape[3], const char *what)
{
    Py_buffer view;
    if (PyObject_GetBuffer(object, &view, PyBUF_ND) < 0)
        return -1;
    int ok = view.ndim == ndim;
    for (int d = 0; ok && d < ndim; d++)
        shape[d] = view.shape[d];
    PyBuffer_Release(&view);
    if (!ok) {
        PyErr_Format(PyExc_ValueError, "%s must have %d dimensions", what, ndim);
        return -1;
    }
    return 0;
}

/* Whether the steps are a planar format's (1 or 2, 4:2:0 halving both) and the size holds whole samples;
 * a ValueError naming `what` where not. */
static int steps_fit(int height, int width, int step_x, int step_y, const char *what)
{
    if ((step_x != 1 && step_x != 2) || (step_y != 1 && step_y != 2) || (step_y == 2 && step_x != 2)
        || height < 1 || width < 1 || width % step_x || height % step_y) {
        PyErr_Format(PyExc_ValueError, "%s must be %d x %d pixels or more, with H and W whole multiples of the "
                     "steps (1 or 2)", what, step_y, step_x);
        return 0;
    }
    return 1;
}

/* The height and width of a 3-channel frame, channels first (3 x H x W) or last (H x W x 3), checked
 * against the steps; 0 with a ValueError naming `what` where it does not fit. */
static int frame_size(PyObject *object, int channels_last, int step_x, int step_y, int *height, int *width,
                      const char *what)
{
    Py_ssize_t shape[3];
    if (shape_of(object, 3, shape, what) < 0)
        return 0;
    if (shape[channels_last ? 2 : 0] != 3) {
        PyErr_Format(PyExc_ValueError, "%s must be %s", what, channels_last ? "H x W x 3" : "3 x H x W");
        return 0;
    }
    *height = (int)shape[channels_last ? 0 : 1];
    *width = (int)shape[channels_last ? 1 : 2];
    return steps_fit(*height, *width, step_x, step_y, what);
}

/* The three output planes of a height x width frame (chroma subsampled by the steps): how many were
 * taken; fewer than 3 with an error set (the ones taken are the caller's to release). */
static int plane_buffers(PyObject *const targets[3], Py_buffer views[3], int height, int width, int step_x,
                         int step_y)
{
    int held = 0;
    for (; held < 3; held++)
        if (plane_buffer(targets[held], &views[held], held ? height / step_y : height,
                         held ? width / step_x : width) < 0)
            break;
    return held;
}

PyDoc_STRVAR(planes_doc,
"planes(ycbcr, step_x, step_y, luma, blue, red)\n\n"
"ycbcr: 3 x H x W float32 Y'CbCr (257 x the 8-bit code); luma (H x W), blue and red (H/step_y x\n"
"W/step_x): uint8 planes, rows may be padded. Luma rounded, chroma filtered as engine/media/ycbcr.py\n"
"filters it. Runs without the GIL.");

static PyObject *planes(PyObject *self, PyObject *args)
{
    PyObject *source, *targets[3];
    int step_x, step_y;
    if (!PyArg_ParseTuple(args, "OiiOOO", &source, &step_x, &step_y, &targets[0], &targets[1], &targets[2]))
        return NULL;
    int height, width;
    if (!frame_size(source, 0, step_x, step_y, &height, &width, "ycbcr"))
        return NULL;
    Py_buffer ycbcr, views[3];
    if (float_buffer(source, &ycbcr, 0, "ycbcr") < 0)
        return NULL;
    PyObject *result = NULL;
    int held = plane_buffers(targets, views, height, width, step_x, step_y);
    if (held == 3) {
        const float *data = (const float *)ycbcr.buf;
        Py_ssize_t area = (Py_ssize_t)height * width;
        Py_BEGIN_ALLOW_THREADS
        luma_rows(data, height, width, (uint8_t *)views[0].buf, views[0].strides[0]);
        chroma_rows(data + area, height, width, step_x, step_y, (uint8_t *)views[1].buf, views[1].strides[0]);
        chroma_rows(data + 2 * area, height, width, step_x, step_y, (uint8_t *)views[2].buf, views[2].strides[0]);
        Py_END_ALLOW_THREADS
        result = Py_NewRef(Py_None);
    }
    while (held-- > 0)
        PyBuffer_Release(&views[held]);
    PyBuffer_Release(&ycbcr);
    return result;
}

PyDoc_STRVAR(frame_doc,
"frame(rgb, scale, table, size, step_x, step_y, luma, blue, red)\n\n"
"apply() and planes() in one: rgb H x W x 3 float32 through the table, straight into the uint8 planes.\n"
"The same codes as planes() gives from apply()'s floats. Returns (lowest, highest) of rgb's values,\n"
"(nan, nan) where it holds a NaN, as engine.media.value_range gives them. Runs without the GIL.");

static PyObject *frame(PyObject *self, PyObject *args)
{
    PyObject *objects[2], *targets[3];
    float scale;
    int size, step_x, step_y;
    if (!PyArg_ParseTuple(args, "OfOiiiOOO", &objects[0], &scale, &objects[1], &size, &step_x, &step_y,
                          &targets[0], &targets[1], &targets[2]))
        return NULL;
    int height, width;
    if (!frame_size(objects[0], 1, step_x, step_y, &height, &width, "rgb"))
        return NULL;
    Py_buffer inputs[2], views[3];
    int held_inputs = 0, held = 0;
    PyObject *result = NULL;
    for (; held_inputs < 2; held_inputs++)
        if (float_buffer(objects[held_inputs], &inputs[held_inputs], 0, held_inputs ? "table" : "rgb") < 0)
            goto done;
    if (size < 2 || inputs[1].len != (Py_ssize_t)size * size * size * 16) {
        PyErr_SetString(PyExc_ValueError, "table must be size^3 x 4 float32 (size >= 2)");
        goto done;
    }
    if ((held = plane_buffers(targets, views, height, width, step_x, step_y)) < 3)
        goto done;
    float *rows = PyMem_RawMalloc(sizeof(float) * 9 * (size_t)width);
    if (rows == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    uint8_t *out[3] = {views[0].buf, views[1].buf, views[2].buf};
    Py_ssize_t stride[3] = {views[0].strides[0], views[1].strides[0], views[2].strides[0]};
    Range range = {INFINITY, -INFINITY, 0};
    Py_BEGIN_ALLOW_THREADS
    table_frame((const float *)inputs[0].buf, height, width, scale, (const float *)inputs[1].buf, size, step_x,
                step_y, out, stride, rows, &range);
    Py_END_ALLOW_THREADS
    PyMem_RawFree(rows);
    result = range.nan ? Py_BuildValue("(dd)", (double)NAN, (double)NAN)
                       : Py_BuildValue("(dd)", (double)range.low, (double)range.high);
done:
    while (held-- > 0)
        PyBuffer_Release(&views[held]);
    while (held_inputs-- > 0)
        PyBuffer_Release(&inputs[held_inputs]);
    return result;
}

PyDoc_STRVAR(avx2_doc,
"avx2(on=None) -> bool\n\n"
"Whether the table's corners are weighted 8 pixels at a time (AVX2 CPUs) or 4; with `on`, first\n"
"sets it (on only where the CPU has AVX2). Both give the same bits: tests compare them.");

static PyObject *avx2(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *on = Py_None;
    if (!PyArg_ParseTuple(args, "|O", &on))
        return NULL;
#ifdef AVX2_PATH
    if (on != Py_None) {
        int wanted = PyObject_IsTrue(on);
        if (wanted < 0)
            return NULL;
        use_avx2 = wanted && cpu_has_avx2();
    }
    return PyBool_FromLong(use_avx2);
#else
    return PyBool_FromLong(0);
#endif
}

static PyMethodDef methods[] = {
    {"avx2", avx2, METH_VARARGS, avx2_doc},
    {"frame", frame, METH_VARARGS, frame_doc},
    {"apply", apply, METH_VARARGS, apply_doc},
    {"planes", planes, METH_VARARGS, planes_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_signal_kernel",
    "An 8-bit export's colour table applied in one pass (see signal_kernel.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__signal_kernel(void)
{
#ifdef AVX2_PATH
    use_avx2 = cpu_has_avx2();
#endif
    return PyModule_Create(&module);
}
