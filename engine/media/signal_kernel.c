/* The export's colour table applied in one pass: engine.media._signal_kernel.
 *
 * engine/media/signal_lut.py bakes an 8-bit export's grade, output transform and Y'CbCr matrix into a
 * 3D table over fourth-root-shaped scene-linear input. OpenColorIO applies such a table well, but an
 * export then pays for the shaper (two OpenCV square-root passes), OpenColorIO's copy of every pixel
 * into its RGBA buffer and back out to planes, and the tetrahedral interpolation, each a pass over the
 * frame. This does all of it in one pass over rows of CHUNK pixels, with the arithmetic OpenColorIO's
 * tetrahedral interpolation does, in the same order, so the planes it writes are the same floats
 * (tests/engine/test_signal_kernel.py compares them bit for bit):
 *   1. shaper, cell and tetrahedron of each pixel: plain C the compiler turns into vector code;
 *   2. the four corners of each pixel's tetrahedron, weighted: one 4-float load per corner (the
 *      table is padded from 3 to 4 floats a node for that);
 *   3. the Y'CbCr floats out to their three planes.
 *
 * Built by setup.py when a C compiler is there; without it, signal_lut.py takes OpenColorIO's path.
 * setup.py compiles with -ffp-contract=off: a fused multiply-add would change the bits on some CPUs
 * and not on others, and an export must give the same bits on every machine with this kernel.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define HAVE_SSE2 1
#endif

/* On GCC for x86-64 Linux, pass 1 is built twice, for AVX2 CPUs and for any x86-64, and the loader
 * picks one: square roots and comparisons 8 pixels at a time where the CPU has them. Both give the
 * same bits (IEEE square roots and no contraction either way). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define BOTH_ISAS __attribute__((target_clones("avx2", "default")))
#else
#define BOTH_ISAS
#endif

#define CHUNK 512 /* pixels a pass: its scratch (~18 KiB) stays in the L1 cache */

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

/* Pass 2: the weighted corners of each pixel, all channels at once, into `out` (4 floats a pixel). */
static void interpolate(const Cells *restrict cells, int count, const float *restrict table, int size,
                        float *restrict out)
{
    const int far = 4 * (size * size + size + 1); /* node (1, 1, 1) from node (0, 0, 0) */
    for (int p = 0; p < count; p++) {
        const float *c0 = table + cells->corner0[p];
#ifdef HAVE_SSE2
        __m128 sum = _mm_mul_ps(_mm_set1_ps(cells->weight[0][p]), _mm_loadu_ps(c0));
        sum = _mm_add_ps(sum, _mm_mul_ps(_mm_set1_ps(cells->weight[1][p]), _mm_loadu_ps(table + cells->corner1[p])));
        sum = _mm_add_ps(sum, _mm_mul_ps(_mm_set1_ps(cells->weight[2][p]), _mm_loadu_ps(table + cells->corner2[p])));
        sum = _mm_add_ps(sum, _mm_mul_ps(_mm_set1_ps(cells->weight[3][p]), _mm_loadu_ps(c0 + far)));
        _mm_storeu_ps(out + 4 * p, sum);
#else
        const float *c1 = table + cells->corner1[p], *c2 = table + cells->corner2[p], *c3 = c0 + far;
        for (int c = 0; c < 3; c++)
            out[4 * p + c] = cells->weight[0][p] * c0[c] + cells->weight[1][p] * c1[c]
                             + cells->weight[2][p] * c2[c] + cells->weight[3][p] * c3[c];
#endif
    }
}

static void apply_table(const float *rgb, Py_ssize_t pixels, float scale, const float *table, int size,
                        float *plane0, float *plane1, float *plane2)
{
    Cells cells;
    float out[4 * CHUNK];
    for (Py_ssize_t start = 0; start < pixels; start += CHUNK) {
        int count = pixels - start < CHUNK ? (int)(pixels - start) : CHUNK;
        cells_of(rgb + 3 * start, count, scale, size, &cells);
        interpolate(&cells, count, table, size, out);
        for (int p = 0; p < count; p++) { /* pass 3 */
            plane0[start + p] = out[4 * p];
            plane1[start + p] = out[4 * p + 1];
            plane2[start + p] = out[4 * p + 2];
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
                        (float *)views[2].buf, (float *)views[3].buf, (float *)views[4].buf);
            Py_END_ALLOW_THREADS
            result = Py_NewRef(Py_None);
        }
    }
    while (held-- > 0)
        PyBuffer_Release(&views[held]);
    return result;
}

static PyMethodDef methods[] = {
    {"apply", apply, METH_VARARGS, apply_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_signal_kernel",
    "An 8-bit export's colour table applied in one pass (see signal_kernel.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__signal_kernel(void)
{
    return PyModule_Create(&module);
}
