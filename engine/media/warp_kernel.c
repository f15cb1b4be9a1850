/* engine.media._warp_kernel: a camera move's bilinear resample of an RGB float picture, for the moves
 * without roll, whose map is a scale and a shift on each axis.
 *
 * engine/media/camera_render.py renders each frame of a camera move by resampling the source picture.
 * OpenCV's own warpAffine (IPP's is left off there: its bits depend on the thread count) spends ~5.7 ms
 * of CPU on a 720p frame from a 1080p still, bilinear, the same for any map. Without roll, the source
 * column of an output pixel depends on its column alone and the source row on its row alone, so:
 *   1. the taps of each output column and of each output row are found once a frame (two source
 *      positions and a weight each);
 *   2. for each output row, its two source rows are blended into one (vertical), over the source
 *      columns the frame reads: a straight run of floats the compiler vectorises;
 *   3. each output pixel blends two neighbouring pixels of that row (horizontal): one 4-float load
 *      each (RGB and one float of slack), the same weights for the three channels.
 * The result is bilinear sampling at the map's positions with the edge pixels replicated beyond the
 * picture, as cv2.warpAffine(..., INTER_LINEAR | WARP_INVERSE_MAP, BORDER_REPLICATE) samples it; the
 * order of the products differs from OpenCV's, so the floats differ from its by rounding (well above
 * 100 dB; tests/engine/test_warp_kernel.py measures it).
 *
 * Positions are computed in double, weights in float, with no fused multiply-add (setup.py builds it
 * with -ffp-contract=off): the same bits on every machine and for any thread count.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

/* The vertical blend is built for AVX2 CPUs and for any x86-64 where GCC can (BOTH_ISAS), to the
 * same bits. */
#include "kernel_isa.h"

/* The taps of `count` output positions along one axis: output index i samples the source at
 * position scale * i + offset (pixel k's centre at k), between pixels first[i] and first[i] + step[i]
 * (step 0 where both are the same edge pixel) with weight[i] on the second. */
static void axis_taps(double scale, double offset, int count, int extent, int *first, int *step, float *weight)
{
    for (int i = 0; i < count; i++) {
        double p = scale * i + offset;
        /* Past either edge every tap is the edge pixel: held just outside, so that the integer fits. */
        p = p < -1.0 ? -1.0 : (p > (double)extent ? (double)extent : p);
        int k = (int)p;
        if (p < (double)k) /* (int) truncates toward zero: floor for negatives */
            k--;
        float fraction = (float)(p - (double)k);
        int k0 = k < 0 ? 0 : (k > extent - 1 ? extent - 1 : k);
        int k1 = k + 1 < 0 ? 0 : (k + 1 > extent - 1 ? extent - 1 : k + 1);
        first[i] = k0;
        step[i] = k1 - k0;
        weight[i] = fraction;
    }
}

/* Step 2: row = above * (1 - weight) + below * weight over `count` floats. */
BOTH_ISAS
static void blend_rows(const float *restrict above, const float *restrict below, float weight, int count,
                       float *restrict row)
{
    const float keep = 1.f - weight;
    for (int i = 0; i < count; i++)
        row[i] = above[i] * keep + below[i] * weight;
}

/* Step 3: out[x] = row[first[x]] * (1 - weight[x]) + row[first[x] + step[x]] * weight[x], 3 floats a
 * pixel. `row` holds one float of slack past its last pixel, read and never used. */
static void blend_columns(const float *restrict row, const int *first, const int *step, const float *weight,
                          int width, float *restrict out)
{
    int x = 0;
#ifdef HAVE_SSE2
    for (; x + 1 < width; x++) { /* the fourth float stored is the next pixel's red, written next */
        const float *left = row + 3 * first[x];
        __m128 w = _mm_set1_ps(weight[x]), keep = _mm_set1_ps(1.f - weight[x]);
        __m128 value = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(left), keep), _mm_mul_ps(_mm_loadu_ps(left + 3 * step[x]), w));
        _mm_storeu_ps(out + 3 * x, value);
    }
#endif
    for (; x < width; x++) {
        const float *left = row + 3 * first[x], *right = left + 3 * step[x];
        float w = weight[x], keep = 1.f - weight[x];
        for (int c = 0; c < 3; c++)
            out[3 * x + c] = left[c] * keep + right[c] * w;
    }
}

typedef struct {
    int *first, *step;
    float *weight;
} Taps;

static int taps_alloc(Taps *taps, int count)
{
    taps->first = PyMem_RawMalloc(sizeof(int) * (size_t)count);
    taps->step = PyMem_RawMalloc(sizeof(int) * (size_t)count);
    taps->weight = PyMem_RawMalloc(sizeof(float) * (size_t)count);
    return taps->first != NULL && taps->step != NULL && taps->weight != NULL;
}

static void taps_free(Taps *taps)
{
    PyMem_RawFree(taps->first);
    PyMem_RawFree(taps->step);
    PyMem_RawFree(taps->weight);
}

static void resample(const float *source, int source_h, int source_w, const double map[4], float *out, int height,
                     int width, const Taps *columns, const Taps *rows, float *row)
{
    axis_taps(map[0], map[1], width, source_w, columns->first, columns->step, columns->weight);
    axis_taps(map[2], map[3], height, source_h, rows->first, rows->step, rows->weight);
    int low = source_w, high = 0; /* the source columns any output pixel reads */
    for (int x = 0; x < width; x++) {
        int a = columns->first[x], b = a + columns->step[x];
        low = a < low ? a : low;
        high = b > high ? b : high;
    }
    const Py_ssize_t stride = 3 * (Py_ssize_t)source_w;
    for (int y = 0; y < height; y++) {
        const float *above = source + rows->first[y] * stride, *below = above + rows->step[y] * stride;
        blend_rows(above + 3 * low, below + 3 * low, rows->weight[y], 3 * (high - low + 1), row + 3 * low);
        blend_columns(row, columns->first, columns->step, columns->weight, width, out + (Py_ssize_t)y * 3 * width);
    }
}

static int rgb_buffer(PyObject *object, Py_buffer *view, int writable, const char *name)
{
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_ND |
                                             (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    if (view->itemsize != 4 || view->format == NULL || strcmp(view->format, "f") != 0 || view->ndim != 3 ||
        view->shape[2] != 3 || view->shape[0] < 1 || view->shape[1] < 1 || view->shape[0] > INT_MAX / 4 ||
        view->shape[1] > INT_MAX / 4) {
        PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous H x W x 3 float32 array", name);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(axes_doc,
"axes(source, scale_x, offset_x, scale_y, offset_y, out)\n\n"
"out (h x w x 3 float32) = source (H x W x 3 float32) sampled bilinearly at x * scale_x + offset_x\n"
"across and y * scale_y + offset_y down for output pixel (x, y), pixel k's centre at k, edge pixels\n"
"replicated beyond the picture. Runs without the GIL.");

static PyObject *axes(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *objects[2];
    double map[4];
    if (!PyArg_ParseTuple(args, "OddddO", &objects[0], &map[0], &map[1], &map[2], &map[3], &objects[1]))
        return NULL;
    for (int i = 0; i < 4; i++)
        if (!isfinite(map[i]))
            return PyErr_Format(PyExc_ValueError, "the map must be finite");
    Py_buffer views[2];
    if (rgb_buffer(objects[0], &views[0], 0, "source") < 0)
        return NULL;
    if (rgb_buffer(objects[1], &views[1], 1, "out") < 0) {
        PyBuffer_Release(&views[0]);
        return NULL;
    }
    PyObject *result = NULL;
    int source_h = (int)views[0].shape[0], source_w = (int)views[0].shape[1];
    int height = (int)views[1].shape[0], width = (int)views[1].shape[1];
    Taps columns, rows;
    int made = taps_alloc(&columns, width) & taps_alloc(&rows, height);
    float *row = PyMem_RawMalloc(sizeof(float) * (3 * (size_t)source_w + 1)); /* + the slack float */
    if (!made || row == NULL)
        PyErr_NoMemory();
    else {
        Py_BEGIN_ALLOW_THREADS
        resample((const float *)views[0].buf, source_h, source_w, map, (float *)views[1].buf, height, width,
                 &columns, &rows, row);
        Py_END_ALLOW_THREADS
        result = Py_NewRef(Py_None);
    }
    PyMem_RawFree(row);
    taps_free(&columns);
    taps_free(&rows);
    PyBuffer_Release(&views[1]);
    PyBuffer_Release(&views[0]);
    return result;
}

static PyMethodDef methods[] = {
    {"axes", axes, METH_VARARGS, axes_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_warp_kernel",
    "A camera move's bilinear resample without roll (see warp_kernel.c).", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__warp_kernel(void)
{
    return PyModule_Create(&module);
}
