"""A node type's page of the inspector: its editors built once, then bound to whichever node of that
type is selected.

Building a page is most of what a click on a node costs (40-70 ms of widgets for a Scene or a
Camera on a 2-core machine, on the GUI thread); binding a built page to another node sets values
only (a few ms). So the inspector keeps a page per node type (app.ui.inspector.Inspector) and a
click on a node of a type already seen answers at once, as Nuke's properties panels do.

A page is only reused where it is the same: the same schema, the same suggestions (voices
installed) and the same unavailable choices (models installed). Everything that belongs to one
node (values, which parameters a link overrides, seed locks, the title) is set by bind().
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from engine.schema import NodeSchema, Param

from .captions import shrinkable
from .param_widgets import ParamEditor, SeedEditor, make_editor


def page_key(schema: NodeSchema, suggestions: dict[str, list[str]],
             unavailable: dict[str, dict[str, str]]) -> Hashable:
    """What a page depends on besides the node it shows: pages with equal keys are interchangeable."""
    return (id(schema), tuple((name, tuple(values)) for name, values in sorted(suggestions.items())),
            tuple((name, tuple(sorted(reasons.items()))) for name, reasons in sorted(unavailable.items())))


class NodePage(QWidget):
    """The title, the help and one editor (with its reset button) per parameter of one node type."""

    def __init__(self, schema: NodeSchema, suggestions: dict[str, list[str]],
                 unavailable: dict[str, dict[str, str]], on_edit: Callable, on_reset: Callable[[str], None],
                 on_lock: Callable[[str, bool], None], prepared: bool = False):
        """`prepared`: only the frame is built now, the rows by build_step() (one at a time, between
        other events: app.ui.inspector builds the pages of a project's node types ahead of a click)."""
        super().__init__()
        self.schema = schema  # held, so the id in this page's key is never another schema's
        self.key = page_key(schema, suggestions, unavailable)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.title = shrinkable(QLabel())
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.about = shrinkable(QLabel())
        self.about.setObjectName("hint")
        self.about.setWordWrap(True)
        layout.addWidget(self.about)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # In a narrow dock a label goes above its editor rather than the page scrolling sideways.
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        layout.addLayout(self.form)
        # The orders of a node's multi-link inputs (a Sequence's shots) belong to the node, not its
        # type: the inspector fills this box anew at every bind.
        self.links = QVBoxLayout()
        layout.addLayout(self.links)
        layout.addStretch(1)
        self.editors: dict[str, ParamEditor] = {}
        self._rows = self._build_rows(suggestions, unavailable, on_edit, on_reset, on_lock)
        if not prepared:
            self.finish()

    @property
    def complete(self) -> bool:
        return self._rows is None

    def build_step(self) -> bool:
        """Build one more parameter's row (a few ms); False once every row is built."""
        if self._rows is not None and next(self._rows, None) is None:
            self._rows = None
        return self._rows is not None

    def finish(self) -> None:
        while self.build_step():
            pass

    def _build_rows(self, suggestions, unavailable, on_edit, on_reset, on_lock):
        for param in self.schema.params:
            editor = make_editor(param, param.default, suggestions.get(param.name, []),
                                 unavailable.get(param.name, {}))
            editor.edited.connect(lambda value, key, name=param.name: on_edit(name, value, key))
            if isinstance(editor, SeedEditor):
                editor.lock_toggled.connect(lambda locked, name=param.name: on_lock(name, locked))
            # The reset button goes into the editor's own row layout: one widget and one layout
            # less per parameter than a row of its own, which is what a page's build time is made of.
            editor.layout_.addWidget(self._reset_button(param, on_reset))
            label = QLabel(param.display_name)
            label.setToolTip(param.help)
            self.form.addRow(label, editor)
            # Styled now, while nobody waits (a page built ahead of its first click): otherwise
            # the style sheet is applied to every widget when the page is first shown.
            label.ensurePolished()
            editor.ensurePolished()
            self.editors[param.name] = editor
            yield True

    @staticmethod
    def _reset_button(param: Param, on_reset: Callable[[str], None]) -> QToolButton:
        reset = QToolButton()
        reset.setText("↺")
        default = param.choice_label(param.default) if param.kind == "enum" else param.default
        reset.setToolTip(f"Reset to the default ({default!r})")
        reset.clicked.connect(lambda _=False: on_reset(param.name))
        return reset

    def bind(self, title: str, about: str, params: dict, overridden: dict[str, str],
             locked: Callable[[str], bool]) -> None:
        """Show one node: its title, its values, the parameters its links override greyed out."""
        self.title.setText(title)
        self.title.setToolTip(title)
        self.about.setText(about)
        for name, editor in self.editors.items():
            param = editor.param
            editor.set_value(params.get(name, param.default))  # also puts the editor's tooltip back
            editor.new_gesture()  # typing here is not one undo step with typing into another node
            editor.setEnabled(name not in overridden)
            if name in overridden:  # the schema says a linked input replaces this parameter
                editor.setToolTip(f"From the linked input {overridden[name]!r}.\n{param.help}")
            if isinstance(editor, SeedEditor):
                editor.set_locked(locked(name))

    def clear_links(self) -> None:
        while self.links.count():
            widget = self.links.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()


class PageStack(QWidget):
    """The inspector's pages, one shown. Not a QStackedWidget: that is as tall as its tallest page
    (its height for a width asks every page, hidden or not), which would give a short page the
    scroll range of a long one. A layout leaves hidden widgets out, so this is sized by the page shown."""

    def __init__(self):
        super().__init__()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._current: QWidget | None = None

    def currentWidget(self) -> QWidget | None:
        return self._current

    def count(self) -> int:
        return self._layout.count()

    def add_page(self, page: QWidget) -> None:
        if self._layout.indexOf(page) < 0:
            page.hide()  # added hidden: only the page shown takes part in the layout
            self._layout.addWidget(page)

    def show_page(self, page: QWidget) -> None:
        if page is self._current:
            return
        self.add_page(page)
        if self._current is not None:
            self._current.hide()
        self._current = page
        page.show()

    def drop_page(self, page: QWidget) -> None:
        if page is self._current:
            self._current = None
        self._layout.removeWidget(page)
        page.hide()
        page.deleteLater()
