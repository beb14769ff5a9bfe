"""Logo files for a gallery item: palette lock, transparent PNG, SVG, wordmark and icon set,
previewed on a checkerboard and on light and dark backdrops before anything is written."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
)

from desktop.errors import ExportConflict, LogoStudioError
from desktop.gallery import GalleryItem
from desktop.logo.background import on_backdrop
from desktop.logo.colors import check_hex
from desktop.logo.fonts import installed_fonts, refresh_fonts
from desktop.logo.pipeline import LogoExport, export_logo, prepare
from desktop.logo.vector import COLOR, SINGLE
from desktop.logo.wordmark import BUNDLED_FONT, HORIZONTAL, STACKED, WordmarkStyle, compose_wordmark
from desktop.ui.export_dialog import remembered_folder
from desktop.ui.qtimage import pil_to_qimage

PREVIEW_SIZE = 300
ERROR, NOTE, DONE = "#b3261e", "#5f6670", "#1b6e3a"  # the message's colours


class LogoExportDialog(QDialog):
    """Emits exported(list of paths) after writing the files; the dialog stays open and says
    what it wrote, with a button to open the folder."""

    exported = Signal(list)

    def __init__(self, item: GalleryItem, settings: QSettings, parent=None, brand: str = "") -> None:
        """``brand``: the brand name from the brief (else the one used last here)."""
        super().__init__(parent)
        self.setObjectName("logoExportDialog")
        self.setWindowTitle("Export logo files")
        self.item = item
        self.settings = settings
        self._folder_written: Path | None = None
        outer = QVBoxLayout(self)
        layout = QHBoxLayout()
        layout.addLayout(self._build_options(), 1)
        layout.addLayout(self._build_preview())
        outer.addLayout(layout, 1)
        outer.addLayout(self._build_footer())
        if brand:
            self.brand_edit.setText(brand)
        self._restore_options()
        self._refresh_timer = QTimer(self, singleShot=True, interval=150)
        self._refresh_timer.timeout.connect(self.refresh_preview)
        for signal in (
            self.palette_lock.toggled,
            self.transparent.toggled,
            self.clear_holes.toggled,
            self.background_edit.textChanged,
            self.wordmark.toggled,
            self.brand_edit.textChanged,
            self.font_combo.currentTextChanged,
            self.layout_combo.currentIndexChanged,
            self.text_scale.valueChanged,
            self.spacing.valueChanged,
            self.text_color.currentIndexChanged,
            self.backdrop.currentIndexChanged,
        ):
            signal.connect(self._schedule_refresh)
        self.refresh_preview()

    def _restore_options(self) -> None:
        for key, widget in _remembered_widgets(self).items():
            value = self.settings.value(f"logo/options/{key}")
            if value is None:
                continue
            try:
                if isinstance(widget, QComboBox):
                    widget.setCurrentIndex(max(widget.findData(value), 0))
                elif isinstance(widget, QDoubleSpinBox):
                    widget.setValue(float(value))
                elif widget.isEnabled():
                    widget.setChecked(value in (True, "true"))
            except (TypeError, ValueError):  # an edited settings file: keep the default
                continue

    def _save_options(self) -> None:
        for key, widget in _remembered_widgets(self).items():
            if isinstance(widget, QComboBox):
                value = widget.currentData()
            elif isinstance(widget, QDoubleSpinBox):
                value = widget.value()
            else:
                value = "true" if widget.isChecked() else "false"
            self.settings.setValue(f"logo/options/{key}", value)

    # -- building ----------------------------------------------------------------------------

    def _build_options(self) -> QVBoxLayout:
        params = self.item.params
        column = QVBoxLayout()
        self.palette_lock = QCheckBox("Palette lock: only the logo's flat colours, clean edges")
        self.palette_lock.setObjectName("paletteLockCheck")
        self.palette_lock.setToolTip(
            "Every pixel becomes one of the logo's flat colours (the brand colours where they match)."
        )
        self.transparent = QCheckBox("Transparent background")
        self.transparent.setObjectName("transparentCheck")
        self.clear_holes = QCheckBox("Also clear the background inside the mark (e.g. inside letters)")
        self.clear_holes.setObjectName("clearHolesCheck")
        self.clear_holes.setToolTip(
            "Areas of the background colour enclosed by the mark stay filled unless this is ticked: see the preview."
        )
        self.clear_holes.setEnabled(False)
        self.transparent.toggled.connect(self.clear_holes.setEnabled)
        background_row = QHBoxLayout()
        background_row.addWidget(QLabel("Background"))
        self.background_edit = QLineEdit(params.background.upper() if params.background else "")
        self.background_edit.setObjectName("logoBackgroundEdit")
        self.background_edit.setPlaceholderText("Found around the mark")
        self.background_edit.setToolTip("The background colour to remove, written #RRGGBB (empty: found in the image)")
        self.background_edit.setClearButtonEnabled(True)
        background_row.addWidget(self.background_edit, 1)
        self.svg = QCheckBox("SVG (vector)")
        self.svg.setObjectName("svgCheck")
        self.svg_mode = QComboBox()
        self.svg_mode.setObjectName("svgModeCombo")
        self.svg_mode.addItem("In colour", COLOR)
        self.svg_mode.addItem("One colour", SINGLE)
        svg_row = QHBoxLayout()
        svg_row.addWidget(self.svg)
        svg_row.addWidget(self.svg_mode)
        svg_row.addStretch(1)
        self.icon_set = QCheckBox("Icon set: PNG 16–1024 px, favicon.ico, SVG")
        self.icon_set.setObjectName("iconSetCheck")
        for widget in (self.palette_lock, self.transparent, self.clear_holes):
            column.addWidget(widget, 0, Qt.AlignmentFlag.AlignLeft)  # as wide as its label: a click beside it misses
        column.addLayout(background_row)
        column.addLayout(svg_row)
        column.addWidget(self.icon_set)

        self.wordmark = QGroupBox("Wordmark: add the brand name")
        self.wordmark.setObjectName("wordmarkGroup")
        self.wordmark.setCheckable(True)
        self.wordmark.setChecked(False)
        form = QFormLayout(self.wordmark)
        self.brand_edit = QLineEdit(self.settings.value("logo/brand", ""))
        self.brand_edit.setObjectName("brandNameEdit")
        self.brand_edit.setPlaceholderText("Brand name")
        form.addRow("Name", self.brand_edit)
        # The names written inside the font files, which is what the export looks fonts up by
        # (Qt's own family names can differ from them); a full name such as "Arial Bold" or a
        # font file's path can be typed too.
        refresh_fonts()
        self.font_combo = QComboBox()
        self.font_combo.setObjectName("wordmarkFontCombo")
        self.font_combo.setEditable(True)
        self.font_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.font_combo.addItems([BUNDLED_FONT, *installed_fonts().families()])
        self.font_combo.setToolTip("A font family, a full name such as “Arial Bold”, or the path of a font file")
        self.font_combo.setCurrentText(self.settings.value("logo/font", BUNDLED_FONT))
        form.addRow("Font", self.font_combo)
        self.layout_combo = QComboBox()
        self.layout_combo.setObjectName("wordmarkLayoutCombo")
        self.layout_combo.addItem("Side by side", HORIZONTAL)
        self.layout_combo.addItem("Stacked", STACKED)
        form.addRow("Layout", self.layout_combo)
        self.text_scale = _ratio_spin("wordmarkSizeSpin", 0.05, 2.0, 0.42, "Text size, relative to the mark")
        form.addRow("Text size", self.text_scale)
        self.spacing = _ratio_spin("wordmarkSpacingSpin", 0.0, 2.0, 0.12, "Gap, relative to the mark's height")
        form.addRow("Spacing", self.spacing)
        self.text_color = QComboBox()
        self.text_color.setObjectName("wordmarkColorCombo")
        self.text_color.addItem("Automatic (as the brand kit)", "")
        for color in (*params.colors, "#000000", "#ffffff"):
            self.text_color.addItem(color, color)
        form.addRow("Colour", self.text_color)
        column.addWidget(self.wordmark)

        column.addStretch(1)
        return column

    def _build_footer(self) -> QVBoxLayout:
        """The folder, the outcome and the buttons, under both columns: nothing above them
        changes their place."""
        column = QVBoxLayout()
        folder_row = QHBoxLayout()
        self.folder_edit = QLineEdit(remembered_folder(self.settings, "logo/folder"))
        self.folder_edit.setObjectName("logoFolderEdit")
        browse = QToolButton()
        browse.setText("Browse…")
        browse.clicked.connect(self._browse)
        folder_row.addWidget(QLabel("Folder"))
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        column.addLayout(folder_row)
        self.message = QLabel()
        self.message.setObjectName("logoExportMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.message.setFixedHeight(4 * self.message.fontMetrics().lineSpacing())  # room for 4 lines, always
        column.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        self.export_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.export_button.setText("Export")
        self.export_button.setObjectName("logoExportConfirmButton")
        self.open_button = QPushButton("Open folder")
        self.open_button.setObjectName("logoOpenFolderButton")
        self.open_button.clicked.connect(self._open_folder)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setVisible(False)  # after addButton, which shows it
        buttons.accepted.connect(self.export)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)
        return column

    def _build_preview(self) -> QVBoxLayout:
        column = QVBoxLayout()
        self.backdrop = QComboBox()
        self.backdrop.setObjectName("backdropCombo")
        for label, value in (("Checkerboard", "checkerboard"), ("Light", "light"), ("Dark", "dark")):
            self.backdrop.addItem(label, value)
        self.preview = QLabel()
        self.preview.setObjectName("logoPreviewLabel")
        self.preview.setFixedSize(PREVIEW_SIZE, PREVIEW_SIZE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(QLabel("Preview on"))
        column.addWidget(self.backdrop)
        column.addWidget(self.preview)
        column.addStretch(1)
        return column

    # -- state -------------------------------------------------------------------------------

    def options(self) -> LogoExport:
        """The chosen export, as the CLI would express it."""
        wordmark = None
        if self.wordmark.isChecked():
            wordmark = WordmarkStyle(
                self.brand_edit.text(),
                font=self.font_combo.currentText(),
                color=self.text_color.currentData(),
                layout=self.layout_combo.currentData(),
                text_scale=round(self.text_scale.value(), 2),
                spacing=round(self.spacing.value(), 2),
            )
        background = self.background_edit.text().strip()
        return LogoExport(
            background=check_hex(background, "background") if background else "",
            palette_lock=self.palette_lock.isChecked(),
            transparent=self.transparent.isChecked(),
            clear_holes=self.transparent.isChecked() and self.clear_holes.isChecked(),
            svg=self.svg.isChecked(),
            svg_mode=self.svg_mode.currentData(),
            icon_set=self.icon_set.isChecked(),
            wordmark=wordmark,
        )

    def _schedule_refresh(self, *_args) -> None:
        self._refresh_timer.start()

    def refresh_preview(self) -> None:
        """Show the processed logo (and wordmark) on the chosen backdrop, or say what is wrong."""
        try:
            options = self.options()
            prepared = prepare(self.item.path, options)
            image = prepared.image
            if options.wordmark is not None:
                style = options.wordmark
                if not style.color:
                    style = replace(style, color=prepared.name_color)
                image = compose_wordmark(image, style, prepared.background)
        except LogoStudioError as error:
            self._say(error.message, ERROR)
            self.preview.clear()
            return
        self._say(" ".join(prepared.warnings), NOTE)
        image.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE))
        shown = on_backdrop(image.convert("RGBA"), self.backdrop.currentData())
        self.preview.setPixmap(QPixmap.fromImage(pil_to_qimage(shown)))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export logo files into", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def confirm_replace(self, message: str) -> bool:
        answer = QMessageBox.question(self, "Replace files?", f"{message}\n\nReplace them?")
        return answer == QMessageBox.StandardButton.Yes

    def export(self) -> None:
        """Write the files; the outcome (and warnings) stay in the dialog, with Open folder."""
        folder = Path(self.folder_edit.text().strip()).expanduser()
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            options = self.options()
            try:
                written = export_logo(self.item.path, folder, options)
            except ExportConflict as error:
                if not self.confirm_replace(error.message):
                    raise
                written = export_logo(self.item.path, folder, options, overwrite=True)
        except LogoStudioError as error:
            self._say(error.message, ERROR)
            self.open_button.setVisible(False)
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.settings.setValue("logo/folder", str(folder))
        self.settings.setValue("logo/brand", self.brand_edit.text())
        self.settings.setValue("logo/font", self.font_combo.currentText())
        self._save_options()
        self._folder_written = folder
        count = len(written.files)
        self._say(" ".join([f"Wrote {count} file{'s' if count != 1 else ''} to {folder}.", *written.warnings]), DONE)
        self.open_button.setVisible(True)
        self.exported.emit([str(path) for path in written.files])

    def _say(self, text: str, tone: str) -> None:
        self.message.setStyleSheet(f"QLabel {{ color: {tone}; }}")
        self.message.setText(text)

    def _open_folder(self) -> None:
        if self._folder_written is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._folder_written)))


def _remembered_widgets(dialog: LogoExportDialog) -> dict:
    """The options remembered between exports, by settings key."""
    return {
        "paletteLock": dialog.palette_lock,
        "transparent": dialog.transparent,
        "clearHoles": dialog.clear_holes,
        "svg": dialog.svg,
        "svgMode": dialog.svg_mode,
        "iconSet": dialog.icon_set,
        "wordmark": dialog.wordmark,
        "layout": dialog.layout_combo,
        "textScale": dialog.text_scale,
        "spacing": dialog.spacing,
        "backdrop": dialog.backdrop,
    }


def _ratio_spin(name: str, low: float, high: float, value: float, tip: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setSingleStep(0.02)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin
