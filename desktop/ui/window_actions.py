"""What the window's buttons, menus and shortcuts do: turn the state into a job, open and export
files, delete and undo. Panels emit requests; these actions call the state models' actions and
show dialogs. No generation logic here either: jobs run in ``desktop.jobs`` on the worker."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog

from desktop.errors import InvalidParameters, MetadataError
from desktop.gallery import GalleryItem
from desktop.imageops import fit_for_generation, open_image
from desktop.jobs import Job
from desktop.metadata import read_params
from desktop.models.loras import apply_prompt_loras
from desktop.params import INPAINT, TXT2IMG
from desktop.state import notices as n
from desktop.ui.export_dialog import ExportDialog
from desktop.ui.logo_export_dialog import LogoExportDialog
from desktop.ui.mask_canvas import BRUSH, ERASER, MASK, SKETCH

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp)"
UNDO_DELETE_MS = 10_000


class WindowActions(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.request, self.jobs, self.models = window.request, window.jobs, window.models
        self.gallery, self.notices = window.gallery, window.notices
        self._after_final: dict[int, object] = {}  # job id -> what to do with the final version it makes
        self.jobs.image_saved.connect(self._final_made)
        self.jobs.job_ended.connect(self._final_ended)

    # -- jobs ------------------------------------------------------------------------------------

    def generate(self) -> None:
        self._submit(TXT2IMG)

    def inpaint(self) -> None:
        if not self.window.canvas_panel.canvas.has_mask():
            self.notices.set(
                n.INPUT, "Paint over the part of the image to regenerate first (the mask is empty).", n.ERROR
            )
            return
        self._submit(INPAINT)

    def _submit(self, mode: str) -> None:
        canvas = self.window.canvas_panel.canvas
        try:
            params = self._placed(self.request.to_params(mode, canvas.image_size() if mode == INPAINT else None))
            guide = self.window.guide.for_job(params, self._family_of(params))
        except InvalidParameters as error:
            self._invalid(error)
            return
        job = self._job(params.with_resolved_seed())
        job.guide = guide
        if mode == INPAINT:
            job.image, job.mask, job.parent_id = canvas.image(), canvas.mask(), canvas.source_item_id
        self.models.remember(params.model)
        self.jobs.submit(job)

    def _placed(self, params):
        """``params`` for where jobs run. On a server: its address (nothing is fetched to this
        computer for the job), and the prompt's <lora:name:0.8> tags are the server's LoRAs, read by
        its engine. Here: the tags are files of the LoRA folder, never seen by the text encoder."""
        server = self.window.server_link.state
        if server.remote:
            return replace(params, server=server.address().text)
        return apply_prompt_loras(replace(params, server=""), self.window.loras.folder)

    def _invalid(self, error: InvalidParameters) -> None:
        self.notices.set(n.INPUT, error.message, n.ERROR)
        widget = self.window.field_widget(error.field)
        if widget is not None:
            if widget is self.window.advanced.body or self.window.advanced.isAncestorOf(widget):
                self.window.advanced.set_open(True)
            widget.setFocus()

    def vary(self, item: GalleryItem) -> None:
        """Variations of ``item`` (a new seed each, unless the seed is locked)."""
        try:
            params = item.params.variation(round(self.request.variation, 2))
        except InvalidParameters as error:
            self._invalid(error)
            return
        if self.request.seed_locked:
            params = replace(params, seed=self.request.seed)
        self._submit_from(item, params)

    def upscale(self, item: GalleryItem) -> None:
        """``item`` at twice the size, redrawn lightly."""
        try:
            params = item.params.upscaled()
        except InvalidParameters as error:
            self._invalid(error)
            return
        self._submit_from(item, params)

    def _submit_from(self, item: GalleryItem, params) -> None:
        """``params`` made from ``item`` with the current model, saved as its child."""
        try:
            params = replace(params, model=self.request.model, steps=self.request.steps)
            params = self._placed(params).with_resolved_seed()
            with Image.open(item.path) as opened:
                image = opened.convert("RGB")
        except InvalidParameters as error:
            self._invalid(error)
            return
        except OSError as error:
            self.notices.set(n.FILES, f"Could not open {item.path.name}: {error}", n.ERROR)
            return
        job = self._job(self._with_item_guide(params, item))
        job.image, job.parent_id, job.guide = image, item.id, item.guide_picture() if params.guide else None
        self.jobs.submit(job)

    def _family_of(self, params):
        """The family of the model ``params`` runs on, when it is the loaded one (else None)."""
        return self.models.family if params.model == self.models.loaded else None

    def _with_item_guide(self, params, item: GalleryItem):
        """``params`` made from ``item``: its guide goes with it while its picture is there."""
        if params.guide is not None and item.guide_picture() is None:
            self.notices.set(n.FILES, "The guide picture of this logo is gone: this one is made without it.", n.WARNING)
            return replace(params, guide=None)
        return params

    def _job(self, params) -> Job:
        """A job for ``params`` with the dedicated inpainting model, and the family of the loaded
        model when it runs it, so the download gate asks for what a Fast job needs before it runs."""
        job = Job(params, inpaint_model=self.models.inpaint_model())
        dedicated = params.mode == INPAINT and job.inpaint_model
        if self.models.family is not None and params.model == self.models.loaded and not dedicated:
            job.family = self.models.family.name
        return job

    def cancel(self) -> None:
        self.jobs.cancel()

    # -- files -----------------------------------------------------------------------------------

    def choose_image(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self.window, "Open image", str(Path.home()), IMAGE_FILTER)
        if path:
            self.open_image_file(path)

    def open_image_file(self, path: str) -> None:
        """Open a picture into the canvas (offering to restore the parameters embedded in it), or,
        for a dropped .safetensors file, use it as a LoRA."""
        if path.lower().endswith(".safetensors"):
            self.window.loras.add(path)
            self.window.statusBar().showMessage(f"Using the LoRA {Path(path).stem}.", 6000)
            return
        try:
            opened = open_image(path)
        except InvalidParameters as error:
            self.notices.set(n.FILES, error.message, n.ERROR)
            return
        self.notices.clear(n.FILES)
        try:
            params = read_params(opened)
        except MetadataError:
            params = None
        image, note = fit_for_generation(opened)
        self.window.canvas_panel.show_image(image)
        self.request.set("width", image.width)
        self.request.set("height", image.height)
        self.window.statusBar().showMessage(f"Opened {Path(path).name}. {note}".strip(), 6000)
        question = f"{Path(path).name} was made with Stable Diffusion. Restore its prompt and settings?"
        if params is not None and self.window.ask("Restore parameters?", question):
            self.request.apply(params)

    def choose_guide(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self.window, "Open guide picture", str(Path.home()), IMAGE_FILTER)
        if path:
            self.open_guide_file(path)

    def open_guide_file(self, path: str) -> None:
        """Use a picture (a sketch on paper, a logo, a letterform) as the guide."""
        try:
            picture = open_image(path, field="guide")
        except InvalidParameters as error:
            self.notices.set(n.FILES, error.message, n.ERROR)
            return
        self.notices.clear(n.FILES)
        self.window.canvas_panel.open_guide(picture)
        self.request.set("guide_on", True)
        self.window.statusBar().showMessage(f"{Path(path).name} is the guide: check its preview in Guide.", 6000)

    def new_canvas(self) -> None:
        canvas = self.window.canvas_panel.canvas
        canvas.set_blank(self.request.width, self.request.height)

    def export(self, item: GalleryItem) -> None:
        self._from_final(item, self._open_export)

    def logo_files(self, item: GalleryItem) -> None:
        self._from_final(item, self._open_logo_files)

    def brand_kit(self, item: GalleryItem) -> None:
        self._from_final(item, self._open_brand_kit)

    def _open_export(self, item: GalleryItem) -> None:
        dialog = ExportDialog(item, self.window.settings, self.window)
        dialog.exported.connect(lambda path: self.window.statusBar().showMessage(f"Exported {path}", 6000))
        dialog.open()

    def _open_logo_files(self, item: GalleryItem) -> None:
        dialog = LogoExportDialog(item, self.window.settings, self.window, brand=self.request.brand_name)
        dialog.exported.connect(self._files_written)
        dialog.open()

    def _open_brand_kit(self, item: GalleryItem) -> None:
        from desktop.ui.brand_kit_dialog import BrandKitDialog

        dialog = BrandKitDialog(self.window, item, self.window.settings, brand=self.request.brand_name)
        dialog.written.connect(self._files_written)
        dialog.open()

    def _from_final(self, item: GalleryItem, then) -> None:
        """``then(item)``; but a Fast draft (decoded by the tiny autoencoder) first gets its final
        version: the same seed and settings decoded by the model's own autoencoder, the same logo
        in full quality, saved beside it. ``then`` gets that, so a draft never becomes a file."""
        if not item.params.tiny_decode:
            then(item)
            return
        if item.params.mode == INPAINT:  # its mask is not kept, so it cannot be made again
            self.notices.set(
                n.FILES,
                "This inpainted Fast draft was decoded by the quick decoder and cannot be remade in full quality "
                "(its mask is not kept): for a sharp file, inpaint it again with Best quality.",
                n.WARNING,
            )
            then(item)
            return
        if self.models.remote:  # a draft of this computer: its full version needs this computer's model
            self.notices.set(
                n.FILES,
                "This Fast draft was made on this computer: to make its full-quality version, choose This computer "
                "under Model → Change…. The draft is used as it is.",
                n.WARNING,
            )
            then(item)
            return
        job = self._job(self._with_item_guide(item.params.final_version(), item))
        job.parent_id, job.guide = item.id, item.guide_picture() if job.params.guide else None
        self._after_final[job.id] = then
        self.jobs.submit(job)
        self.notices.set(
            n.FILES, "This is a Fast draft: making its full-quality version first (the same logo, decoded in full)…"
        )

    def _final_made(self, job, item: GalleryItem, _image) -> None:
        then = self._after_final.pop(job.id, None)
        if then is not None:
            self.notices.clear(n.FILES)
            then(item)

    def _final_ended(self, job, _status: str) -> None:
        if self._after_final.pop(job.id, None) is not None:  # failed or cancelled: the job says why
            self.notices.clear(n.FILES)

    def _files_written(self, paths: list) -> None:
        """Name the folder that holds them all (a brand kit's, not the subfolder of its first file)."""
        folder = Path(os.path.commonpath([Path(path).parent for path in paths])) if paths else ""
        self.window.statusBar().showMessage(f"Wrote {len(paths)} files to {folder}", 8000)

    # -- gallery ---------------------------------------------------------------------------------

    def delete(self, item: GalleryItem) -> None:
        if not self.gallery.delete(item):
            return
        window = self.window
        window.undo_delete_button.show()
        window.statusBar().showMessage(
            "Deleted. Ctrl+Z or Undo delete brings it back; so does the Trash.", UNDO_DELETE_MS
        )
        self._undo_timer.start(UNDO_DELETE_MS)

    def undo_delete(self) -> None:
        self.gallery.undo_delete()
        self._end_undo_offer()

    def _end_undo_offer(self) -> None:
        """The button and the "Deleted." message go together, so neither outlives the other."""
        self._undo_timer.stop()
        self.window.undo_delete_button.hide()
        self.window.statusBar().clearMessage()

    def undo(self) -> None:
        """Ctrl+Z: a delete in the gallery when the gallery has the focus, else the last mask edit."""
        focus = QApplication.focusWidget()
        if self.gallery.trash and focus is not None and self.window.gallery_panel.isAncestorOf(focus):
            self.undo_delete()
        else:
            self.window.canvas_panel.undo_group.undo()  # the active layer's: the mask's or the sketch's

    def reuse_parameters(self, item: GalleryItem) -> None:
        """The item's settings, and its guide (the picture back on the sketch layer)."""
        self.request.apply(item.params)
        if item.params.guide is not None:
            picture = item.guide_picture()
            if picture is None:
                gone = "The guide picture of this logo is gone: its guide settings are back; draw or open one."
                self.notices.set(n.FILES, gone, n.WARNING)
            else:
                self.window.canvas_panel.open_guide(picture)

    def reuse_seed(self, item: GalleryItem) -> None:
        self.request.reuse_seed(item.params.seed)

    def copy_seed(self, item: GalleryItem) -> None:
        QGuiApplication.clipboard().setText(str(item.params.seed))
        self.window.statusBar().showMessage(f"Seed {item.params.seed} copied.", 3000)

    def show_in_folder(self, item: GalleryItem) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(item.path.parent)))

    # -- menus and shortcuts ---------------------------------------------------------------------

    def build_menus(self) -> None:
        window, canvas_panel = self.window, self.window.canvas_panel
        canvas = canvas_panel.canvas
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.timeout.connect(self._end_undo_offer)
        selected = self._with_selected
        file_menu = window.menuBar().addMenu("&File")
        file_menu.addAction(self._action("Open image…", QKeySequence.StandardKey.Open, self.choose_image))
        file_menu.addAction(self._action("New blank canvas", "Ctrl+Shift+N", self.new_canvas))
        file_menu.addAction(self._action("Export selected as PNG…", "Ctrl+E", selected(self.export)))
        file_menu.addAction(self._action("Export logo files…", "Ctrl+Shift+E", selected(self.logo_files)))
        file_menu.addAction(self._action("Brand kit…", "Ctrl+K", selected(self.brand_kit), name="brandKitAction"))
        file_menu.addSeparator()
        self.models_action = self._action("Models…", "Ctrl+Shift+M", window.open_model_manager, name="modelsAction")
        file_menu.addAction(self.models_action)
        where = window.server_link.open_dialog
        file_menu.addAction(self._action("Where jobs run…", "Ctrl+Shift+R", where, name="whereJobsRunAction"))
        file_menu.addSeparator()
        file_menu.addAction(self._action("Quit", QKeySequence.StandardKey.Quit, window.close))
        edit_menu = window.menuBar().addMenu("&Edit")
        edit_menu.addAction(self._action("Undo", QKeySequence.StandardKey.Undo, self.undo, name="undoAction"))
        edit_menu.addAction(self._action("Redo", "Ctrl+Shift+Z", canvas_panel.undo_group.redo, name="redoAction"))
        generate_menu = window.menuBar().addMenu("&Generate")
        generate_menu.addAction(self._action("Generate", "Ctrl+Return", self.generate, name="generateAction"))
        generate_menu.addAction(
            self._action("Inpaint masked area", "Ctrl+Shift+Return", self.inpaint, name="inpaintAction")
        )
        generate_menu.addAction(self._action("More like this", "Ctrl+M", selected(self.vary)))
        generate_menu.addAction(self._action("Upscale ×2", "Ctrl+U", selected(self.upscale)))
        generate_menu.addAction(self._action("Cancel", "Esc", self.cancel))
        mask_menu = window.menuBar().addMenu("&Canvas")  # the mask and the sketch (guide)
        mask_menu.addAction(self._action("Clear mask", "", canvas.clear_mask))
        mask_menu.addAction(self._action("Invert mask", "Ctrl+I", canvas.invert_mask))
        mask_menu.addSeparator()
        mask_menu.addAction(self._action("Brush", "B", lambda: canvas_panel.set_tool(BRUSH)))
        mask_menu.addAction(self._action("Eraser", "E", lambda: canvas_panel.set_tool(ERASER)))
        mask_menu.addAction(self._action("Smaller brush", "[", lambda: canvas_panel.step_brush(-1)))
        mask_menu.addAction(self._action("Larger brush", "]", lambda: canvas_panel.step_brush(+1)))
        mask_menu.addSeparator()
        mask_menu.addAction(self._action("Paint the mask", "M", lambda: canvas_panel.set_layer(MASK)))
        mask_menu.addAction(self._action("Draw the sketch (guide)", "S", lambda: canvas_panel.set_layer(SKETCH)))
        mask_menu.addAction(self._action("Open guide picture…", "Ctrl+Shift+O", self.choose_guide))
        mask_menu.addAction(self._action("Clear sketch", "", canvas_panel.sketch.clear))

        view = window.gallery_panel.gallery_view
        scoped = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for text, shortcut, handler in (
            ("Open in canvas", "Return", lambda item: canvas_panel.show_item(item)),
            ("Reuse parameters", "", self.reuse_parameters),
            ("Reuse seed", "", self.reuse_seed),
            ("Copy seed", "", self.copy_seed),
            ("More like this", "", self.vary),
            ("Upscale ×2", "", self.upscale),
            ("Export PNG…", "", self.export),
            ("Logo files…", "", self.logo_files),
            ("Brand kit…", "", self.brand_kit),
            ("Show in folder", "", self.show_in_folder),
            ("Delete", QKeySequence.StandardKey.Delete, self.delete),
        ):
            self._action(text, shortcut, selected(handler), widget=view, context=scoped)

    def _with_selected(self, handler):
        def run() -> None:
            if self.gallery.selected is not None:
                handler(self.gallery.selected)
            else:
                self.notices.set(n.FILES, "Select a logo in the gallery first.", n.INFO)

        return run

    def _action(self, text, shortcut, slot, *, widget=None, context=Qt.ShortcutContext.WindowShortcut, name=""):
        owner = widget or self.window
        action = QAction(text, owner)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(context)
        action.triggered.connect(slot)
        if name:
            action.setObjectName(name)
        owner.addAction(action)
        return action
