//! Thai text shaping and the embedded font: turns the lines of the stamp and of the minutes page
//! into positioned glyphs and builds the PDF font objects (a Type0/CIDFontType2 font with a subset of Sarabun) for them.
//!
//! Shaping is done by rustybuzz so that Thai above/below vowels and tone marks land where the
//! font's GPOS/GSUB tables put them, instead of being stacked by naive per-character drawing.
//! Each drawn glyph gets its own CID: the same glyph can stand for different text in different
//! clusters, and a CID-per-(glyph, text) pair lets the ToUnicode map give `pdftotext` exactly the
//! text that was shaped.

use std::collections::BTreeMap;

use lopdf::{Dictionary, Object, Stream, StringFormat};

use crate::StampError;

/// Sarabun Regular (SIL OFL 1.1, see `assets/OFL.txt`).
pub static SARABUN: &[u8] = include_bytes!("../assets/Sarabun-Regular.ttf");

/// One glyph placed on a line, in font units relative to the line's start on the baseline.
#[derive(Debug, Clone, Copy)]
pub struct PlacedGlyph {
    pub cid: u16,
    pub x: i32,
    pub y: i32,
}

/// A shaped line: its glyphs and its total advance, in font units.
#[derive(Debug, Clone)]
pub struct ShapedLine {
    pub glyphs: Vec<PlacedGlyph>,
    pub advance: i32,
}

/// Glyph data collected while shaping, turned into PDF objects once all lines are shaped.
pub struct FontBuilder {
    face: rustybuzz::Face<'static>,
    /// CID → (original glyph id, text the CID stands for); CID 0 is reserved for .notdef.
    cids: Vec<(u16, String)>,
    by_key: BTreeMap<(u16, String), u16>,
}

impl FontBuilder {
    pub fn new() -> Result<Self, StampError> {
        let face = rustybuzz::Face::from_slice(SARABUN, 0)
            .ok_or_else(|| StampError::InvalidText("embedded font cannot be parsed".into()))?;
        Ok(FontBuilder { face, cids: vec![(0, String::new())], by_key: BTreeMap::new() })
    }

    pub fn units_per_em(&self) -> f32 {
        self.face.units_per_em() as f32
    }

    /// The advance of `text` shaped as one run, in font units, without allocating CIDs: what the
    /// line breaker measures candidate lines with.
    pub fn measure(&self, text: &str) -> i32 {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let shaped = rustybuzz::shape(&self.face, &[], buffer);
        shaped.glyph_positions().iter().map(|p| p.x_advance).sum()
    }

    /// Shape one line of text and allocate CIDs for its glyphs.
    pub fn shape(&mut self, text: &str) -> ShapedLine {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let shaped = rustybuzz::shape(&self.face, &[], buffer);
        let infos = shaped.glyph_infos();
        let positions = shaped.glyph_positions();

        // Cluster values are byte offsets into `text`; the text of a cluster runs to the next
        // larger cluster value (the line is left-to-right, so clusters never decrease).
        let mut starts: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
        starts.sort_unstable();
        starts.dedup();

        let mut glyphs = Vec::with_capacity(infos.len());
        let mut pen = 0i32;
        let mut first = 0;
        while first < infos.len() {
            let cluster = infos[first].cluster as usize;
            let last =
                (first..infos.len()).take_while(|&i| infos[i].cluster as usize == cluster).last().unwrap_or(first);
            let end = starts.iter().copied().find(|&s| s > cluster).unwrap_or(text.len());
            let cluster_text = text.get(cluster..end).unwrap_or_default();
            let texts = self.split_cluster(cluster_text, &infos[first..=last], &positions[first..=last]);
            for ((info, pos), unit_text) in infos[first..=last].iter().zip(&positions[first..=last]).zip(texts) {
                let gid = u16::try_from(info.glyph_id).unwrap_or(0);
                let cid = self.cid_for(gid, unit_text);
                glyphs.push(PlacedGlyph { cid, x: pen + pos.x_offset, y: pos.y_offset });
                pen += pos.x_advance;
            }
            first = last + 1;
        }
        ShapedLine { glyphs, advance: pen }
    }

    /// Share a cluster's text among its glyphs so that extraction gives every character once,
    /// in logical order, and no spacing glyph is left without text. A spacing glyph with no text
    /// leaves a gap that extractors read as a word break: Thai SARA AM becomes NIKHAHIT + SARA AA,
    /// and giving its whole text to the base consonant made `pdftotext` print "สำ นัก".
    ///
    /// Glyphs that the font's cmap maps from a character of the cluster start that character's
    /// share; a spacing glyph that maps from none starts at the next character; other glyphs
    /// (substituted marks) get no text and their characters go with the preceding share.
    fn split_cluster(
        &self,
        cluster_text: &str,
        infos: &[rustybuzz::GlyphInfo],
        positions: &[rustybuzz::GlyphPosition],
    ) -> Vec<String> {
        let chars: Vec<(usize, char)> = cluster_text.char_indices().collect();
        let mut anchors: Vec<Option<usize>> = vec![None; infos.len()];
        let mut next = 0usize;
        for (k, (info, pos)) in infos.iter().zip(positions).enumerate() {
            let gid = info.glyph_id;
            let matched =
                (next..chars.len()).find(|&j| self.face.glyph_index(chars[j].1).is_some_and(|g| u32::from(g.0) == gid));
            let anchor = match matched {
                Some(j) => Some(j),
                None if k == 0 || (pos.x_advance > 0 && next < chars.len()) => Some(next),
                None => None,
            };
            if let Some(j) = anchor {
                // The first glyph always starts the cluster's text, whatever it matched.
                anchors[k] = Some(if k == 0 { 0 } else { j });
                next = j + 1;
            }
        }
        let byte_at = |j: usize| chars.get(j).map_or(cluster_text.len(), |c| c.0);
        let mut texts = vec![String::new(); infos.len()];
        for k in 0..infos.len() {
            if let Some(j) = anchors[k] {
                let until = anchors[k + 1..].iter().flatten().next().copied().unwrap_or(chars.len());
                texts[k] = cluster_text.get(byte_at(j)..byte_at(until)).unwrap_or_default().to_string();
            }
        }
        texts
    }

    fn cid_for(&mut self, gid: u16, text: String) -> u16 {
        let key = (gid, text);
        if let Some(&cid) = self.by_key.get(&key) {
            return cid;
        }
        // The stamp has a few dozen glyphs and a minute a few hundred (text is capped at
        // MAX_MINUTE_CHARS), far below the 65 535 CIDs available.
        let cid = u16::try_from(self.cids.len()).unwrap_or(u16::MAX);
        self.cids.push(key.clone());
        self.by_key.insert(key, cid);
        cid
    }

    /// Build the font objects. `alloc` hands out fresh object ids; the returned list holds every
    /// object to write, and the first id is the Type0 font dictionary to put in /Resources.
    pub fn into_objects(
        self,
        mut alloc: impl FnMut() -> lopdf::ObjectId,
    ) -> Result<(lopdf::ObjectId, Vec<(lopdf::ObjectId, Object)>), StampError> {
        let mut remapper = subsetter::GlyphRemapper::new();
        for (gid, _) in &self.cids {
            remapper.remap(*gid);
        }
        let program = subsetter::subset(SARABUN, 0, &remapper)
            .map_err(|e| StampError::InvalidText(format!("font subsetting failed: {e:?}")))?;

        let scale = 1000.0 / self.units_per_em();
        let font_name = format!("{}+Sarabun-Regular", subset_tag(&self.cids));

        let mut cid_to_gid = Vec::with_capacity(self.cids.len() * 2);
        let mut widths = Vec::with_capacity(self.cids.len());
        for (gid, _) in &self.cids {
            let new_gid = remapper.get(*gid).unwrap_or(0);
            cid_to_gid.extend_from_slice(&new_gid.to_be_bytes());
            let advance = self.face.glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(*gid)).unwrap_or(0);
            widths.push(Object::Integer((f32::from(advance) * scale).round() as i64));
        }

        let type0_id = alloc();
        let cid_font_id = alloc();
        let descriptor_id = alloc();
        let program_id = alloc();
        let cid_to_gid_id = alloc();
        let to_unicode_id = alloc();

        let mut objects = Vec::with_capacity(6);

        let mut type0 = Dictionary::new();
        type0.set("Type", Object::Name(b"Font".to_vec()));
        type0.set("Subtype", Object::Name(b"Type0".to_vec()));
        type0.set("BaseFont", Object::Name(font_name.clone().into_bytes()));
        type0.set("Encoding", Object::Name(b"Identity-H".to_vec()));
        type0.set("DescendantFonts", Object::Array(vec![Object::Reference(cid_font_id)]));
        type0.set("ToUnicode", Object::Reference(to_unicode_id));
        objects.push((type0_id, Object::Dictionary(type0)));

        let mut system_info = Dictionary::new();
        system_info.set("Registry", Object::String(b"Adobe".to_vec(), StringFormat::Literal));
        system_info.set("Ordering", Object::String(b"Identity".to_vec(), StringFormat::Literal));
        system_info.set("Supplement", Object::Integer(0));
        let mut cid_font = Dictionary::new();
        cid_font.set("Type", Object::Name(b"Font".to_vec()));
        cid_font.set("Subtype", Object::Name(b"CIDFontType2".to_vec()));
        cid_font.set("BaseFont", Object::Name(font_name.clone().into_bytes()));
        cid_font.set("CIDSystemInfo", Object::Dictionary(system_info));
        cid_font.set("FontDescriptor", Object::Reference(descriptor_id));
        cid_font.set("CIDToGIDMap", Object::Reference(cid_to_gid_id));
        cid_font.set("W", Object::Array(vec![Object::Integer(0), Object::Array(widths)]));
        objects.push((cid_font_id, Object::Dictionary(cid_font)));

        let face = &self.face;
        let bbox = face.global_bounding_box();
        let fu = |v: i16| Object::Integer((f32::from(v) * scale).round() as i64);
        let mut descriptor = Dictionary::new();
        descriptor.set("Type", Object::Name(b"FontDescriptor".to_vec()));
        descriptor.set("FontName", Object::Name(font_name.into_bytes()));
        // Symbolic: the glyphs are addressed by CID, not through a standard Latin encoding.
        descriptor.set("Flags", Object::Integer(4));
        descriptor.set("FontBBox", Object::Array(vec![fu(bbox.x_min), fu(bbox.y_min), fu(bbox.x_max), fu(bbox.y_max)]));
        descriptor.set("ItalicAngle", Object::Integer(0));
        descriptor.set("Ascent", fu(face.ascender()));
        descriptor.set("Descent", fu(face.descender()));
        descriptor.set("CapHeight", fu(face.capital_height().unwrap_or(face.ascender())));
        descriptor.set("StemV", Object::Integer(80));
        descriptor.set("FontFile2", Object::Reference(program_id));
        objects.push((descriptor_id, Object::Dictionary(descriptor)));

        let mut program_dict = Dictionary::new();
        program_dict.set("Length1", Object::Integer(program.len() as i64));
        objects.push((program_id, compressed(program_dict, program)));
        objects.push((cid_to_gid_id, compressed(Dictionary::new(), cid_to_gid)));
        objects.push((to_unicode_id, compressed(Dictionary::new(), to_unicode_cmap(&self.cids))));
        Ok((type0_id, objects))
    }
}

fn compressed(dict: Dictionary, content: Vec<u8>) -> Object {
    let mut stream = Stream::new(dict, content);
    // Compression failing only costs size, so the raw stream is kept in that case.
    let _ = stream.compress();
    Object::Stream(stream)
}

/// Six capital letters derived from the glyph set, as ISO 32000 §9.6.4 asks of subset fonts;
/// deterministic so that stamping the same text twice gives the same bytes.
fn subset_tag(cids: &[(u16, String)]) -> String {
    // FNV-1a over the glyph ids and texts.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (gid, text) in cids {
        for byte in gid.to_be_bytes().iter().chain(text.as_bytes()) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    (0..6).map(|i| char::from(b'A' + ((hash >> (i * 5)) % 26) as u8)).collect()
}

/// A ToUnicode CMap giving each CID the text of the cluster it starts, or nothing for the
/// following glyphs of a cluster.
fn to_unicode_cmap(cids: &[(u16, String)]) -> Vec<u8> {
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<(usize, &String)> = cids.iter().enumerate().skip(1).map(|(cid, (_, text))| (cid, text)).collect();
    // A bfchar block holds at most 100 entries (PDF/CMap limit).
    for chunk in entries.chunks(100) {
        out.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for (cid, text) in chunk {
            out.push_str(&format!("<{cid:04X}> <"));
            for unit in text.encode_utf16() {
                out.push_str(&format!("{unit:04X}"));
            }
            out.push_str(">\n");
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    out.into_bytes()
}
